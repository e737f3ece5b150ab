/**
 * What a judge's tokens cost: one formula for the worker's run summary and the server's judge listing.
 */

/** Tokens a judge used: prompt (input) and completion (output). */
export interface TokenCounts {
  prompt: number;
  completion: number;
}

/** A registration's price: US dollars per million prompt (`input`) and completion (`output`) tokens. */
export interface TokenPrice {
  input: number;
  output: number;
}

/** US dollars for `tokens` at `price` (per million tokens), or null when the judge was registered without a price. */
export function tokenCost(tokens: TokenCounts, price: TokenPrice | undefined): number | null {
  if (!price) return null;
  return (tokens.prompt * price.input + tokens.completion * price.output) / 1e6;
}
