// The cart: one button to order the last basket again.
export function renderCart(cart) {
  if (window.waffle.flag_is_active("quick-reorder")) {
    cart.showReorderButton();
  }
}
