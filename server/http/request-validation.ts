import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { FastifySchemaCompiler } from 'fastify';
import { AppError } from '../errors.ts';
import { dotted, whatCame } from '../schemas/schema-errors.ts';

/**
 * Fastify's validator compiler for the route schemas (route-schemas.ts), on TypeBox's compiler:
 * the first problem is answered in the app's error shape, naming the field. A URL parameter that
 * fails is 404 not_found (such a URL names no contest, judge or list); a query or a body, 400
 * invalid_input. Set once, on the app (app.ts).
 */
export const typeboxValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = TypeCompiler.Compile(schema);
  return (value: unknown) => {
    if (check.Check(value)) return { value };
    const first = check.Errors(value).First()!;
    const problem = typeof first.schema.refusal === 'string' ? first.schema.refusal : first.message.toLowerCase();
    const field = dotted(first.path) || (httpPart === 'querystring' ? 'query' : (httpPart ?? 'request'));
    return { error: new AppError(httpPart === 'params' ? 'not_found' : 'invalid_input', `${field}: ${problem} (${whatCame(first.value)})`) };
  };
};
