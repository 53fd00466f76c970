import { Type, type Static } from '@sinclair/typebox';
import { Key, Name, Text } from '../schemas/common.schema.ts';

/**
 * The shape of a `leitai/contest@1` document (DESIGN.md), as a TypeBox schema: the one schema
 * layer checks it here, and the same schema serves the admin API's request bodies. What a shape
 * cannot say (keys unique, weights summing to 1, a score under its max) is checked afterwards in
 * contest-file.ts, on exact decimals.
 */

export const CONTEST_FILE_FORMAT = 'leitai/contest@1';

/** decimal values are JSON numbers; they are read digit-exact (see readContestFile) */
const Decimal = Type.Number();
const Count = Type.Integer({ minimum: 0, maximum: 1000 });

const CriterionSchema = Type.Object(
  { key: Key, name: Name, max: Decimal, step: Decimal },
  { additionalProperties: false },
);

/**
 * One shape for both kinds of panel, the kind's own fields optional, so that a field of the wrong
 * kind is refused by contest-file.ts with a message naming it rather than by a union's vague
 * "expected one of". `kind` defaults to judges.
 */
const PanelSchema = Type.Object(
  {
    key: Key,
    name: Name,
    kind: Type.Optional(Type.Union([Type.Literal('judges'), Type.Literal('audience')])),
    weight: Decimal,
    dropHighest: Type.Optional(Count),
    dropLowest: Type.Optional(Count),
    /** audience panel: the vote scale, e.g. { min: 1, max: 10, step: 1 } */
    scale: Type.Optional(Type.Object({ min: Decimal, max: Decimal, step: Decimal }, { additionalProperties: false })),
    /** audience panel: the share of votes dropped from each end, 0–25 (default 0) */
    trimPercent: Type.Optional(Type.Integer({ minimum: 0, maximum: 25 })),
  },
  { additionalProperties: false },
);

/** One counted audience vote in an export: the last vote of a voter for a presenter. */
const VoteSchema = Type.Object({ presenter: Key, voter: Key, value: Decimal }, { additionalProperties: false });

const AwardSchema = Type.Object(
  { name: Name, count: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })) },
  { additionalProperties: false },
);

const RulesSchema = Type.Object(
  {
    criteria: Type.Array(CriterionSchema, { minItems: 1, maxItems: 50 }),
    panels: Type.Array(PanelSchema, { minItems: 1, maxItems: 20 }),
    decimals: Type.Optional(Type.Integer({ minimum: 0, maximum: 4 })),
    tieBreak: Type.Optional(Type.Array(Key, { maxItems: 20 })),
    timeLimitSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 24 * 3600 })),
    awards: Type.Optional(Type.Array(AwardSchema, { maxItems: 20 })),
  },
  { additionalProperties: false },
);

const PresenterSchema = Type.Object(
  {
    key: Key,
    name: Name,
    unit: Type.Optional(Text),
    topic: Type.Optional(Text),
    order: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000 })),
    recused: Type.Optional(Type.Array(Key, { maxItems: 1000 })),
    /** judges the host marked absent (缺席) for this presenter during the contest: not expected, like the recused */
    absent: Type.Optional(Type.Array(Key, { maxItems: 1000 })),
  },
  { additionalProperties: false },
);

const JudgeSchema = Type.Object({ key: Key, name: Name, panel: Key }, { additionalProperties: false });

const ScoreSchema = Type.Object(
  {
    presenter: Key,
    judge: Key,
    items: Type.Record(Type.String(), Decimal),
  },
  { additionalProperties: false },
);

export const ContestFileSchema = Type.Object(
  {
    format: Type.Literal(CONTEST_FILE_FORMAT),
    title: Name,
    rules: RulesSchema,
    presenters: Type.Array(PresenterSchema, { maxItems: 2000 }),
    judges: Type.Array(JudgeSchema, { maxItems: 1000 }),
    scores: Type.Optional(Type.Array(ScoreSchema, { maxItems: 200000 })),
    audienceVotes: Type.Optional(Type.Array(VoteSchema, { maxItems: 2000000 })),
  },
  { additionalProperties: false },
);

export type ContestFile = Static<typeof ContestFileSchema>;
