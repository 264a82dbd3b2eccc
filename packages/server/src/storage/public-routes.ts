// Public links (`X-Object-Public: true`): anyone with the URL reads the object, without a
// token. Only the content headers are shown, never who owns it or how it is shared.
import type { App } from '../http/app.ts';
import { sendBytes } from './object-routes.ts';
import type { PithosService } from './service.ts';
import { httpDate } from './swift-http.ts';
import { swiftAnswerHooks } from './swift-answers.ts';

export function publicRoutes(app: App, pithos: PithosService) {
  // Errors in Swift's words and content types, as on the Swift API itself.
  swiftAnswerHooks(app);
  app.route({
    method: ['GET', 'HEAD'], url: '/:token', exposeHeadRoute: false, config: { secretPath: true },
    async handler(request, reply) {
      const { token } = request.params as { token: string };
      const view = await pithos.publicObject(token);
      reply.headers({ 'content-type': view.contentType, etag: view.etag, 'last-modified': httpDate(view.modifiedAt), 'accept-ranges': 'bytes' });
      for (const key of ['content-disposition', 'content-encoding']) if (view.metadata[key]) reply.header(key, view.metadata[key]);
      return sendBytes(request, reply, view, pithos.reader);
    },
  });
}
