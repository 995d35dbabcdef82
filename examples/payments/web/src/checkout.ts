import { ldClient } from "./ld";

export function walletButton(): boolean {
  return ldClient.variation("wallet-checkout", false);
}
