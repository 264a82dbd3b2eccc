// Swift's bulk delete (`?bulk-delete`): a text body of URL-encoded `/container/object` or
// `/container` lines, answered with a summary (JSON or text). swift and rclone use it to empty
// containers and to remove large-object segments.
import { ApiError } from '../http/errors.ts';
import { decodeName } from './names.ts';
import type { PithosService } from './service.ts';

export const MAX_BULK_DELETES = 10000;

export interface DeleteSummary { deleted: number; notFound: number; errors: [string, string][] }

/**
 * Swift's summary of a bulk delete (also of a static large object's): JSON when the client
 * accepts it, else `Key: value` lines.
 */
export function renderSummary(summary: DeleteSummary, accept: string | undefined): { type: string; body: string } {
  const fields = {
    'Number Deleted': summary.deleted, 'Number Not Found': summary.notFound, 'Response Body': '',
    'Response Status': summary.errors.length ? '400 Bad Request' : '200 OK',
  };
  if (accept?.includes('application/json')) return { type: 'application/json', body: JSON.stringify({ ...fields, Errors: summary.errors }) };
  const lines = Object.entries(fields).map(([key, value]) => `${key}: ${value}\n`).join('');
  return { type: 'text/plain', body: `${lines}Errors:\n${summary.errors.map(([name, status]) => `${name}, ${status}`).join('\n')}` };
}

export async function bulkDelete(pithos: PithosService, caller: string, account: string, body: string): Promise<DeleteSummary> {
  const lines = body.split('\n').map((l) => l.trim()).filter(Boolean);
  if (lines.length > MAX_BULK_DELETES) throw new ApiError('overLimit', `Max delete failures exceeded: more than ${MAX_BULK_DELETES} paths`);
  let deleted = 0;
  let notFound = 0;
  const errors: [string, string][] = [];
  // Objects before containers, so a list that empties a container can also remove it.
  const paths = lines.map((line) => {
    const trimmed = line.replace(/^\/+/, '');
    const slash = trimmed.indexOf('/');
    return slash < 0 ? { line, container: trimmed, name: undefined } : { line, container: trimmed.slice(0, slash), name: trimmed.slice(slash + 1) };
  }).sort((a, b) => Number(a.name === undefined) - Number(b.name === undefined));
  for (const { line, container, name } of paths) {
    try {
      const decodedContainer = decodeName(container, 'container');
      if (name === undefined || name === '') await pithos.accounts.deleteContainer(caller, account, decodedContainer);
      else await pithos.deleteObject(caller, { account, container: decodedContainer, name: decodeName(name, 'object') });
      deleted++;
    } catch (error) {
      if (error instanceof ApiError && error.kind === 'notFound') notFound++;
      else if (error instanceof ApiError) errors.push([line, `${error.status} ${error.message}`]);
      else throw error;
    }
  }
  return { deleted, notFound, errors };
}
