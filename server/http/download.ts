import type { FastifyReply } from 'fastify';

/**
 * `attachment; filename="results-abc.xlsx"; filename*=UTF-8''<title>-成绩.xlsx`: browsers that read
 * RFC 6266 save under the Chinese name, anything older under the ASCII one. Characters no file
 * system takes are replaced, and everything outside RFC 5987's attr-char is percent-encoded.
 */
function attachment(asciiName: string, name: string): string {
  const safe = name.replace(/[\\/:*?"<>|\u0000-\u001f\u007f]/g, '_').slice(0, 150);
  const encoded = encodeURIComponent(safe).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${asciiName}"; filename*=UTF-8''${encoded}`;
}

/** Answers with a file to save (see attachment for the two names). */
export function download(reply: FastifyReply, type: string, asciiName: string, name: string, body: string | Buffer): FastifyReply {
  return reply.header('content-disposition', attachment(asciiName, name)).type(type).send(body);
}
