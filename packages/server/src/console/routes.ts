// The browser console's static pages under /console: our page and its script, and the noVNC
// modules it imports. The websocket itself is answered by proxy.ts, outside Fastify.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyReply } from 'fastify';
import type { ApiFamily, App } from '../http/app.ts';
import type { ApiError } from '../http/errors.ts';
import { readStaticFile } from './static-files.ts';

const PAGES = fileURLToPath(new URL('./pages/', import.meta.url));
// The package exports core/rfb.js only; its folder holds core/ and vendor/.
const NOVNC = dirname(dirname(fileURLToPath(import.meta.resolve('@novnc/novnc'))));

// The page's token must not travel to other sites, and the page needs nothing from elsewhere.
// Framing stays allowed: dashboards (Horizon) embed the console in an iframe.
const PAGE_HEADERS = {
  'cache-control': 'no-cache',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'",
};

/** Pages and modules under /console; errors are plain text, as a browser shows them. */
export function consoleFamily(): ApiFamily {
  return {
    prefix: '/console',
    format: (error: ApiError) => error.message,
    routes(app: App) {
      // noVNC's full vnc.html is not in the npm package; Nova's usual page names all get the lite one.
      for (const page of ['/vnc_lite.html', '/vnc.html', '/vnc_auto.html']) {
        app.get(page, (_request, reply) => serve(reply, PAGES, 'vnc_lite.html'));
      }
      const folders: [string, string][] = [['app', join(PAGES, 'app')], ['core', join(NOVNC, 'core')], ['vendor', join(NOVNC, 'vendor')]];
      for (const [folder, root] of folders) {
        app.get<{ Params: { '*': string } }>(`/${folder}/*`, (request, reply) => serve(reply, root, request.params['*']));
      }
    },
  };
}

async function serve(reply: FastifyReply, root: string, relative: string) {
  const file = await readStaticFile(root, relative);
  return reply.headers(PAGE_HEADERS).type(file.type).send(file.body);
}
