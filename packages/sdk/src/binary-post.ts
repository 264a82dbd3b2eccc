// Sending many large byte bodies (4 MiB blocks) through fetch() copies each one and keeps the
// garbage collector busy for about as long as the upload itself. Node's own http client
// writes the buffer as it is; the answer is small and comes back as a standard Response.
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

export function sendBytes(url: string, method: string, headers: Record<string, string>, body: Uint8Array, timeoutMs: number): Promise<Response> {
  const secure = url.startsWith('https:');
  return new Promise((resolve, reject) => {
    const request = (secure ? httpsRequest : httpRequest)(url, {
      method, agent: secure ? agents.https : agents.http, timeout: timeoutMs,
      headers: { ...headers, 'content-length': String(body.byteLength) },
    }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('error', reject);
      answer.on('end', () => {
        const status = answer.statusCode ?? 500;
        const responseHeaders = new Headers();
        for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined) responseHeaders.set(name, String(value));
        const empty = status === 204 || status === 304 || chunks.length === 0;
        resolve(new Response(empty ? null : Buffer.concat(chunks), { status, statusText: answer.statusMessage, headers: responseHeaders }));
      });
    });
    request.on('timeout', () => request.destroy(new DOMException('no answer', 'TimeoutError')));
    request.on('error', reject);
    request.end(body);
  });
}
