// Errors that end a run with one line and a documented exit code (README "Exit codes").

export const EXIT_OK = 0;
export const EXIT_USAGE = 1;
export const EXIT_CANNOT_READ = 2;
export const EXIT_PREDICTED_FAILURE = 3;

export class UserFacingError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** The command line names something that is not there, or is malformed. */
export class UsageError extends UserFacingError {
  constructor(message: string) {
    super(message, EXIT_USAGE);
  }
}

/** The input (files, stdin, later the cluster) cannot be read. */
export class InputError extends UserFacingError {
  constructor(message: string) {
    super(message, EXIT_CANNOT_READ);
  }
}
