/**
 * The default of a switch over every variant of a message union: the call only compiles while
 * no variant is left unhandled, so adding a message shows each place that must answer it.
 */
export function unhandledMessage(message: never): never {
  throw new Error(`Unhandled message: ${JSON.stringify(message)}`);
}
