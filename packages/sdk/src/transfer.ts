// What uploads and downloads report while they run, and how they fail on this side.

export interface TransferProgress {
  /** hashing: reading the local file; uploading/downloading: bytes on the wire; verifying: re-reading what was written. */
  phase: 'hashing' | 'uploading' | 'downloading' | 'verifying';
  done: number;
  total: number;
}

export type ProgressCallback = (progress: TransferProgress) => void;

/**
 * A transfer failed for a reason on the client's side of the wire: the local file changed
 * while it was read, or a download does not match the server's hashmap.
 */
export class TransferError extends Error {
  override readonly name = 'TransferError';
}
