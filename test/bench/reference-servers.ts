// The ceilings the figures are read against: a bare node:http server and a bare Koa + koa-body
// app, each answering any request with a JSON object the size of an introspection answer.
// Self-contained: the benchmark transpiles this file and runs it with plain node. Koa and
// koa-body are loaded only by the Koa reference, so the node:http one shows what Node itself
// costs to start and to hold in memory.
import http from 'node:http';

const kind = process.env.REF_KIND;
const port = Number(process.env.REF_PORT);
const bodyBytes = Number(process.env.REF_BODY_BYTES);

const skeleton = { active: true, scope: 'alexa', client_id: 'alexa-skill', token_type: 'Bearer', pad: '' };
// Pad so the serialised answer has the same length as the one the authorization servers send.
const payload = { ...skeleton, pad: 'x'.repeat(Math.max(0, bodyBytes - JSON.stringify(skeleton).length)) };

function nodeHttp(): http.Server {
  return http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(payload));
    });
  });
}

async function koa(): Promise<http.Server> {
  const { default: Koa } = await import('koa');
  const { koaBody } = await import('koa-body');
  const app = new Koa();
  app.use(koaBody());
  app.use((ctx) => {
    ctx.body = payload;
  });
  return http.createServer(app.callback());
}

const server = kind === 'node:http' ? nodeHttp() : await koa();
server.listen(port, '127.0.0.1');
