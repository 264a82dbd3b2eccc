// Errors of the CLI itself, as opposed to the API's (ApiError). Both end as one line on stderr.

/** The command line is wrong or incomplete; `oceanos` exits with 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The request could not be made for a reason on this side (config file, missing key); exit 1. */
export class CliError extends Error {
  override readonly name = 'CliError';
}
