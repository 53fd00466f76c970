import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { AdminLoginSchema, AudienceSettingsSchema, WatchSettingsSchema } from '../contracts/admin-api.ts';
import { TEMPLATE_FILES } from '../import/templates.ts';
import { KEY_PATTERN } from '../schemas/common.schema.ts';

/**
 * What every admin route takes in its URL, its query and its JSON body, declared once and checked
 * by TypeBox before the handler runs (request-validation.ts). A refusal names the field: 404
 * not_found for a URL parameter (a URL that cannot name a contest names none), 400 invalid_input
 * for the query or the body. `refusal` is what the answer says is wrong, where TypeBox's own words
 * ("Expected string to match '^(?!…'") would not help.
 *
 * A contest file (POST and PUT /api/contests) is not checked here: contestFromDocument reads it
 * digit-exact and checks what a shape cannot express too, naming the key (invalid_contest_file).
 */

const keyOf = (refusal: string) => Type.String({ pattern: KEY_PATTERN, refusal });
const flag = <const T extends string[]>(values: T, refusal: string) => Type.Optional(Type.Union(values.map((v) => Type.Literal(v)), { refusal }));

const contestId = keyOf('no contest has this id (an id is letters, digits, - and _)');

const ContestParams = Type.Object({ id: contestId });
const JudgeParams = Type.Object({ id: contestId, judge: keyOf('no judge has this key (a key is letters, digits, - and _)') });
const ImportParams = Type.Object({
  id: contestId,
  kind: Type.Union([Type.Literal('presenters'), Type.Literal('judges')], { refusal: '不能导入这种名单：只能导入 presenters（选手）或 judges（评委）' }),
});
const TemplateParams = Type.Object({
  file: Type.Union(
    TEMPLATE_FILES.map((f) => Type.Literal(f)),
    { refusal: `没有这个模板：可下载的模板有 ${TEMPLATE_FILES.join('、')}` },
  ),
});

/** ?withScores=true: an archive (an export from another server) with its scores */
const CreateContestQuery = Type.Object({ withScores: flag(['true', 'false'], 'true (an archive with its scores) or false') });
/** ?dryRun=true (or 1): a preview only, nothing saved */
const ImportQuery = Type.Object({ dryRun: flag(['true', '1', 'false', '0'], 'true (a preview only) or false') });
/** ?presenter=&judge=: each at most once; whether the key is one of the contest's is the service's to say */
const AuditQuery = Type.Object(
  { presenter: Type.Optional(keyOf('give one presenter key (letters, digits, - and _)')), judge: Type.Optional(keyOf('give one judge key (letters, digits, - and _)')) },
  { additionalProperties: false, refusal: 'not a filter of the audit log (presenter, judge)' },
);

/** Each route's schema, as Fastify takes it (`{ schema: ROUTES.x }`); RouteTypes gives its handler the checked types. */
export const ROUTES = {
  login: { body: AdminLoginSchema },
  createContest: { querystring: CreateContestQuery },
  contest: { params: ContestParams },
  watchSettings: { params: ContestParams, body: WatchSettingsSchema },
  audienceSettings: { params: ContestParams, body: AudienceSettingsSchema },
  voter: { params: Type.Object({ code: Type.String({ pattern: '^[a-z0-9]{4,16}$', refusal: 'no watch code like this (scan the QR code on the projector again)' }) }), body: Type.Union([Type.Object({ voter: Type.Optional(Type.String({ maxLength: 64 })) }), Type.Null()]) },
  judge: { params: JudgeParams },
  audit: { params: ContestParams, querystring: AuditQuery },
  import: { params: ImportParams, querystring: ImportQuery },
  template: { params: TemplateParams },
} satisfies Record<string, { params?: TSchema; querystring?: TSchema; body?: TSchema }>;

type Part<S, K extends string> = S extends { [k in K]: infer T extends TSchema } ? Static<T> : unknown;

/** Fastify's route generics for a schema of ROUTES: what the handler gets once it is checked. */
export interface RouteTypes<S> {
  Params: Part<S, 'params'>;
  Querystring: Part<S, 'querystring'>;
  Body: Part<S, 'body'>;
}
