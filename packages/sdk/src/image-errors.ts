// Glance's error answers. They are `{"message", "code": "404 Not Found", "title"}`, a shape
// ApiError.fromResponse does not read (it knows Keystone's and Synnefo's).
import { ApiError } from './api-error.ts';

/** Reads a Glance error answer into an ApiError that carries Glance's title and message. */
export async function glanceError(response: Response, method: string): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  const error = ApiError.fromResponse(response.status, text, { method, url: response.url || undefined });
  let body: { message?: unknown; title?: unknown } | undefined;
  try {
    body = JSON.parse(text);
  } catch {
    return error;
  }
  if (typeof body?.message !== 'string') return error;
  return new ApiError({ ...error, title: typeof body.title === 'string' ? body.title : error.title, message: body.message });
}

