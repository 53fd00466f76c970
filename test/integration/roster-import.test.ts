import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ImportAnswer, ImportPreview, LinksAnswer } from '../../server/contracts/admin-api.ts';
import type { ContestFile } from '../../server/contest-file/contest-file.schema.ts';
import { startTestServer, type RunningTestServer } from '../helpers/app.ts';
import { adminFetch, createContestOverApi, hostDo, itemsFor, submit, tokenOf } from '../helpers/contest-driver.ts';
import type { HostSnapshot } from '../../server/contracts/snapshots.ts';
import { describeEachDatabase } from '../helpers/databases.ts';

/**
 * An organiser in the district office downloads the templates, fills them in Excel or WPS, and
 * uploads them into test/fixtures/small-contest.json (panels 主评委 main: m1–m4, 测评 eval: e1–e3;
 * presenters p1–p5, 李书记 (p2) recused from 测评丙 (e3)), all through the real HTTP interface.
 */

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

type Refusal = { ok: false; error: { code: string; message: string }; preview?: ImportPreview };

describeEachDatabase('importing presenters and judges from Excel and CSV', (ctx) => {
  let server: RunningTestServer;
  beforeAll(async () => {
    server = await startTestServer(ctx.handle);
  });
  afterAll(() => server.close());

  async function download(file: string): Promise<{ response: Response; bytes: Buffer }> {
    const response = await adminFetch(server.url, `/api/templates/${file}`);
    expect(response.status).toBe(200);
    return { response, bytes: Buffer.from(await response.arrayBuffer()) };
  }

  async function upload<T = ImportAnswer>(
    id: string,
    kind: string,
    bytes: Uint8Array,
    options: { dryRun?: boolean; token?: string | null; type?: string } = {},
  ): Promise<{ status: number; body: T }> {
    const response = await adminFetch(server.url, `/api/contests/${id}/import/${kind}${options.dryRun ? '?dryRun=true' : ''}`, {
      method: 'POST',
      token: options.token,
      headers: { 'content-type': options.type ?? 'application/octet-stream' },
      body: bytes,
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  /** GET /api/contests/:id/export as text: compared whole to show nothing changed */
  const exportText = async (id: string) => (await adminFetch(server.url, `/api/contests/${id}/export`)).text();
  const exported = async (id: string) => JSON.parse(await exportText(id)) as ContestFile;

  async function fillXlsx(template: Buffer, rows: ExcelJS.CellValue[][]): Promise<Buffer> {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(template as unknown as ExcelJS.Buffer);
    const sheet = workbook.worksheets[0]!;
    // typed over the example rows from row 2 on; examples left over are cleared, as the template says
    const last = Math.max(sheet.rowCount, rows.length + 1);
    for (let line = 2; line <= last; line++) {
      const values = rows[line - 2];
      if (values) sheet.getRow(line).values = values;
      else sheet.getRow(line).eachCell((cell) => void (cell.value = null));
    }
    return Buffer.from(await workbook.xlsx.writeBuffer());
  }

  /** What Excel does with a CSV: decode, keep the header, drop the examples, append rows, save. */
  function fillCsv(template: Buffer, lines: string[]): string {
    expect(template.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const [header] = template.subarray(3).toString('utf8').split('\r\n');
    return [header, ...lines, ''].join('\r\n');
  }

  it('downloads each template with its Chinese file name and type', async () => {
    const expected: Array<[string, string, string]> = [
      ['presenters.xlsx', '选手名单模板.xlsx', XLSX_TYPE],
      ['presenters.csv', '选手名单模板.csv', 'text/csv; charset=utf-8'],
      ['judges.xlsx', '评委名单模板.xlsx', XLSX_TYPE],
      ['judges.csv', '评委名单模板.csv', 'text/csv; charset=utf-8'],
    ];
    for (const [file, name, type] of expected) {
      const { response, bytes } = await download(file);
      expect(response.headers.get('content-type')).toBe(type);
      expect(response.headers.get('content-disposition')).toBe(`attachment; filename="${file}"; filename*=UTF-8''${encodeURIComponent(name)}`);
      expect(bytes.length).toBeGreaterThan(50);
    }
    const unknown = await adminFetch(server.url, `/api/templates/scores.xlsx`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ ok: false, error: { code: 'not_found', message: expect.stringContaining('presenters.xlsx、presenters.csv、judges.xlsx、judges.csv') } });
  });

  it('fills the presenter .xlsx template, previews every row without saving, then saves it', async () => {
    const { id } = await createContestOverApi(server.url);
    const before = await exportText(id);
    const filled = await fillXlsx((await download('presenters.xlsx')).bytes, [
      [1, '', '东街道党工委书记', '东街道', '党建引领社区治理', '测评丙'],
      [2, 'p9', '西街道党工委书记', '西街道', '红色物业', ''],
      [3, '', '南镇党委书记', '南镇', '乡村振兴', '主评委甲、e1'],
    ]);

    const preview = await upload(id, 'presenters', filled, { dryRun: true, type: XLSX_TYPE });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ ok: true, saved: false, preview: { kind: 'presenters', format: 'xlsx', encoding: null, problems: [], ready: true } });
    expect(preview.body.preview.columns).toEqual(['出场顺序', '编号', '姓名', '单位', '题目', '回避评委']);
    expect(preview.body.preview.rows).toEqual([
      { line: 2, cells: { 出场顺序: '1', 编号: '', 姓名: '东街道党工委书记', 单位: '东街道', 题目: '党建引领社区治理', 回避评委: '测评丙' }, problems: [] },
      { line: 3, cells: { 出场顺序: '2', 编号: 'p9', 姓名: '西街道党工委书记', 单位: '西街道', 题目: '红色物业', 回避评委: '' }, problems: [] },
      { line: 4, cells: { 出场顺序: '3', 编号: '', 姓名: '南镇党委书记', 单位: '南镇', 题目: '乡村振兴', 回避评委: '主评委甲、e1' }, problems: [] },
    ]);
    expect(await exportText(id)).toBe(before);

    const applied = await upload(id, 'presenters', filled, { type: XLSX_TYPE });
    expect(applied.status).toBe(200);
    expect(applied.body).toMatchObject({ ok: true, saved: true, preview: { ready: true } });
    const file = await exported(id);
    expect(file.presenters).toEqual([
      { key: 'p01', name: '东街道党工委书记', unit: '东街道', topic: '党建引领社区治理', order: 1, recused: ['e3'] },
      { key: 'p9', name: '西街道党工委书记', unit: '西街道', topic: '红色物业', order: 2, recused: [] },
      { key: 'p03', name: '南镇党委书记', unit: '南镇', topic: '乡村振兴', order: 3, recused: ['m1', 'e1'] },
    ]);
    expect(file.judges).toEqual(JSON.parse(before).judges);
  });

  it('fills the presenter .csv template and saves it from Excel as UTF-8 and as GBK', async () => {
    const text = fillCsv((await download('presenters.csv')).bytes, [
      ',,张书记,东街道,党建引领社区治理,',
      ',,新来的书记,新街道,"汇报题目, 带逗号",',
    ]);
    const saved: Array<[string, Buffer, string]> = [
      ['utf-8', Buffer.from(`\ufeff${text}`, 'utf8'), 'text/csv'], // Excel's “CSV UTF-8”
      ['gbk', iconv.encode(text, 'gbk'), 'application/vnd.ms-excel'], // Excel's “CSV (逗号分隔)” on a Chinese Windows
    ];
    for (const [encoding, bytes, type] of saved) {
      const { id } = await createContestOverApi(server.url);
      const preview = await upload(id, 'presenters', bytes, { dryRun: true, type });
      expect(preview.body.preview).toMatchObject({ format: 'csv', encoding, ready: true });
      expect(preview.body.preview.rows.map((r) => [r.line, r.cells['姓名'], r.cells['题目']])).toEqual([
        [2, '张书记', '党建引领社区治理'],
        [3, '新来的书记', '汇报题目, 带逗号'],
      ]);
      expect((await upload(id, 'presenters', bytes, { type })).body.saved).toBe(true);
      // 张书记 was p1 already and keeps that key
      expect((await exported(id)).presenters).toEqual([
        { key: 'p1', name: '张书记', unit: '东街道', topic: '党建引领社区治理', order: 1, recused: [] },
        { key: 'p02', name: '新来的书记', unit: '新街道', topic: '汇报题目, 带逗号', order: 2, recused: [] },
      ]);
    }
  });

  it('replaces the judges from the .xlsx template: judges kept by name keep their links, a removed judge’s phone is disconnected', async () => {
    const created = await createContestOverApi(server.url);
    const linkOf = (answer: { judges: Array<{ key: string; url: string }> }, key: string) => answer.judges.find((j) => j.key === key)?.url;
    const removedPhone = await server.connect(tokenOf(linkOf(created, 'm2')!));
    const dropped = new Promise<string>((resolve) => removedPhone.socket.once('disconnect', (reason) => resolve(reason)));

    const filled = await fillXlsx((await download('judges.xlsx')).bytes, [
      ['', '主评委甲', '主评委'],
      ['', '新主评委', '主评委'],
      ['m3', '主评委丙', 'main'],
      ['', '测评甲', '测评'],
      ['', '测评丙', '测评'],
    ]);
    const preview = await upload(created.id, 'judges', filled, { dryRun: true });
    expect(preview.body.preview).toMatchObject({ kind: 'judges', ready: true, problems: [] });
    expect(preview.body.preview.judges).toEqual([
      { key: 'm1', name: '主评委甲', panel: 'main' },
      { key: 'main01', name: '新主评委', panel: 'main' },
      { key: 'm3', name: '主评委丙', panel: 'main' },
      { key: 'e1', name: '测评甲', panel: 'eval' },
      { key: 'e3', name: '测评丙', panel: 'eval' },
    ]);

    expect((await upload(created.id, 'judges', filled)).body).toMatchObject({ ok: true, saved: true });
    expect((await exported(created.id)).judges).toEqual(preview.body.preview.judges);
    expect((await exported(created.id)).presenters[1]).toMatchObject({ key: 'p2', recused: ['e3'] });
    const links = (await (await adminFetch(server.url, `/api/contests/${created.id}/links`)).json()) as LinksAnswer;
    expect(links.judges.map((j) => j.key)).toEqual(['m1', 'main01', 'm3', 'e1', 'e3']);
    expect(linkOf(links, 'm1')).toBe(linkOf(created, 'm1'));
    expect(await dropped).toBe('io server disconnect');
    await expect(server.connect(tokenOf(linkOf(created, 'm2')!))).rejects.toThrow(/unauthorized/);
    const audit = await ctx.db.selectFrom('audit_log').select('action').where('contest_id', '=', created.id).where('action', '=', 'contest:update').execute();
    expect(audit).toHaveLength(1);
  });

  it('replaces the judges from the .csv template saved as GBK', async () => {
    const { id } = await createContestOverApi(server.url);
    const text = fillCsv((await download('judges.csv')).bytes, ['m1,主评委甲,主评委', 'm2,主评委乙,主评委', 'm3,主评委丙,主评委', 'e2,测评乙,测评', 'e3,测评丙,测评', ',测评丁,测评']);
    const applied = await upload(id, 'judges', iconv.encode(text, 'gbk'), { type: 'text/csv' });
    expect(applied.status).toBe(200);
    expect(applied.body.preview.encoding).toBe('gbk');
    expect((await exported(id)).judges.map((j) => [j.key, j.name, j.panel])).toEqual([
      ['m1', '主评委甲', 'main'],
      ['m2', '主评委乙', 'main'],
      ['m3', '主评委丙', 'main'],
      ['e2', '测评乙', 'eval'],
      ['e3', '测评丙', 'eval'],
      ['eval01', '测评丁', 'eval'],
    ]);
  });

  it('re-importing judges never hands a removed judge’s link to the judge who replaces them: a new person gets a new key', async () => {
    const created = await createContestOverApi(server.url);
    const links = async () => (await (await adminFetch(server.url, `/api/contests/${created.id}/links`)).json()) as LinksAnswer;
    const linkOf = (answer: LinksAnswer, key: string) => answer.judges.find((j) => j.key === key)?.url;
    // 测评丙 (e3) stays: 李书记 is recused from them
    const list = (main: string[]) => Buffer.from(['编号,姓名,评委组', ...main.map((name) => `,${name},主评委`), ',测评甲,测评', ',测评丙,测评', ''].join('\r\n'));

    const first = await upload(created.id, 'judges', list(['张三', '李四']));
    expect(first.body.preview.judges!.map((j) => [j.key, j.name])).toEqual([
      ['main01', '张三'],
      ['main02', '李四'],
      ['e1', '测评甲'],
      ['e3', '测评丙'],
    ]);
    const before = await links();
    const lisiPhone = await server.connect(tokenOf(linkOf(before, 'main02')!));
    const dropped = new Promise<string>((resolve) => lisiPhone.socket.once('disconnect', (reason) => resolve(reason)));

    // 李四 replaced by 王五
    const second = await upload(created.id, 'judges', list(['张三', '王五']));
    expect(second.status).toBe(200);
    expect(second.body.preview.judges!.map((j) => [j.key, j.name])).toEqual([
      ['main01', '张三'],
      ['main03', '王五'],
      ['e1', '测评甲'],
      ['e3', '测评丙'],
    ]);
    expect(await dropped).toBe('io server disconnect');
    await expect(server.connect(tokenOf(linkOf(before, 'main02')!))).rejects.toThrow(/unauthorized/);

    const after = await links();
    expect(after.judges.map((j) => [j.key, j.name])).toEqual([
      ['main01', '张三'],
      ['main03', '王五'],
      ['e1', '测评甲'],
      ['e3', '测评丙'],
    ]);
    expect(linkOf(after, 'main01')).toBe(linkOf(before, 'main01'));
    expect(linkOf(after, 'main03')).not.toBe(linkOf(before, 'main02'));
    const wangwu = await server.connect(tokenOf(linkOf(after, 'main03')!));
    expect(wangwu.snapshot()).toMatchObject({ role: 'judge' });
  });

  it('re-importing presenters after the draw to correct a topic, without 出场顺序 and 回避评委 (absent or left blank), keeps the drawn order and the recusals and says so', async () => {
    const variants: Array<[string, (cells: string) => string]> = [
      ['姓名,单位,题目', (cells) => cells],
      ['出场顺序,姓名,单位,题目,回避评委', (cells) => `,${cells},`],
    ];
    for (const [header, line] of variants) {
      const created = await createContestOverApi(server.url);
      const lots = await adminFetch(server.url, `/api/contests/${created.id}/lots`, { method: 'POST' });
      expect(lots.status).toBe(200);
      const drawn = (await exported(created.id)).presenters;
      const orderOf = new Map(drawn.map((p) => [p.key, p.order!]));
      // the file lists them in the opposite of the drawn order, so its order is not the draw's
      const byDraw = [...drawn].sort((a, b) => b.order! - a.order!);
      const rows = byDraw.map((p) => line(`${p.name},${p.unit},${p.key === 'p3' ? '乡村振兴（更正）' : p.topic}`));
      const csv = Buffer.from(`\ufeff${[header, line('新来的书记,新街道,新题目'), ...rows, ''].join('\r\n')}`);

      const preview = await upload(created.id, 'presenters', csv, { dryRun: true });
      expect(preview.status).toBe(200);
      expect(preview.body.preview).toMatchObject({ ready: true, problems: [] });
      expect(preview.body.preview.notes).toEqual([
        expect.stringMatching(/^出场顺序未填写：沿用现有出场顺序（如抽签结果），5 位已有的选手出场顺序不变；表格里新增的「新来的书记」（第 6 位）排在最后/),
        expect.stringMatching(/^回避评委未填写：沿用现有的回避设置（「李书记」回避 测评丙）/),
      ]);

      const applied = await upload(created.id, 'presenters', csv);
      expect(applied.status).toBe(200);
      expect(applied.body.saved).toBe(true);
      const after = (await exported(created.id)).presenters;
      expect(after.map((p) => [p.key, p.order, p.recused])).toEqual(
        [...drawn.map((p) => [p.key, orderOf.get(p.key), p.key === 'p2' ? ['e3'] : []]), [expect.not.stringMatching(/^p[1-5]$/), 6, []]].sort((a, b) => (a[1] as number) - (b[1] as number)),
      );
      expect(after.find((p) => p.key === 'p3')!.topic).toBe('乡村振兴（更正）');
      expect(after.find((p) => p.order === 6)!.name).toBe('新来的书记');
    }
  });

  it('answers 422 with every problem and stores nothing when the list has mistakes; the preview shows the same', async () => {
    const { id } = await createContestOverApi(server.url);
    const before = await exportText(id);
    const text = fillCsv((await download('judges.csv')).bytes, ['m1,主评委甲,主评委', ',,主评委', 'x1,新评委,专家组', 'e1,测评甲,测评']);
    const bytes = Buffer.from(text, 'utf8');

    const refused = await upload<Refusal>(id, 'judges', bytes);
    expect(refused.status).toBe(422);
    expect(refused.body.ok).toBe(false);
    expect(refused.body.error).toEqual({
      code: 'invalid_input',
      message:
        '导入未保存：第3行「姓名」（B列）为空：请填写评委的姓名，这一列必填；第4行「评委组」（C列）「专家组」不是本比赛的评委组：请填写其中之一：主评委（main）、测评（eval）。请按预览里的提示改好表格后重新上传',
    });
    expect(refused.body.preview!.ready).toBe(false);
    expect(refused.body.preview!.rows.map((r) => [r.line, r.problems.length])).toEqual([
      [2, 0],
      [3, 1],
      [4, 1],
      [5, 0],
    ]);
    expect(await exportText(id)).toBe(before);

    const preview = await upload(id, 'judges', bytes, { dryRun: true });
    expect(preview.status).toBe(200);
    expect(preview.body).toEqual({ ok: true, saved: false, preview: refused.body.preview });
    expect(preview.body.preview.judges).toBeUndefined();
  });

  it('answers a corrupt .xlsx or a file that is no spreadsheet with a clear problem, never a 500', async () => {
    const { id } = await createContestOverApi(server.url);
    const before = await exportText(id);
    const garbage: Buffer[] = [
      Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(2000, 0x5a)]),
      Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256))]),
      Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 104729 + 13) % 256)),
    ];
    for (const bytes of garbage) {
      for (const kind of ['presenters', 'judges']) {
        const preview = await upload(id, kind, bytes, { dryRun: true });
        expect(preview.status).toBe(200);
        expect(preview.body.preview).toMatchObject({ ready: false, rows: [], problems: [expect.stringMatching(/请用 Excel 或 WPS 打开后“另存为” \.xlsx 或 CSV 文件/)] });
        const applied = await upload<Refusal>(id, kind, bytes);
        expect(applied.status).toBe(422);
        expect(applied.body.error.message).toMatch(/^导入未保存：/);
      }
    }
    const tooBig = await upload<Refusal>(id, 'presenters', Buffer.alloc(5 * 1024 * 1024 + 1, 0x41));
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.error).toEqual({ code: 'invalid_input', message: expect.stringMatching(/^文件太大（最多 5 MB）/) });
    const form = await upload<Refusal>(id, 'presenters', Buffer.from('--x\r\n\r\n--x--'), { type: 'multipart/form-data; boundary=x' });
    expect(form.status).toBe(400);
    expect(form.body.error.message).toMatch(/不要用表单/);
    expect(await exportText(id)).toBe(before);
  });

  it('refuses without the admin token (401), and answers 404 for an unknown contest or kind of list', async () => {
    const { id } = await createContestOverApi(server.url);
    const before = await exportText(id);
    const csv = Buffer.from('姓名\n张三\n');
    for (const token of [null, 'not-the-admin-token-at-all']) {
      expect((await adminFetch(server.url, '/api/templates/presenters.xlsx', { token })).status).toBe(401);
      const refused = await upload<Refusal>(id, 'presenters', csv, { token });
      expect(refused.status).toBe(401);
      expect(refused.body.error.code).toBe('unauthorized');
    }
    expect(await exportText(id)).toBe(before);
    expect((await upload<Refusal>('nosuchcontest', 'presenters', csv)).status).toBe(404);
    expect((await upload<Refusal>('nosuchcontest', 'presenters', csv, { dryRun: true })).status).toBe(404);
    const kind = await upload<Refusal>(id, 'scores', csv);
    expect(kind.status).toBe(404);
    expect(kind.body.error.message).toMatch(/只能导入 presenters（选手）或 judges（评委）/);
  });

  it('once the contest has started or has a score, refuses a judge list with 409 and keeps the contest; a presenter’s name can still be corrected', async () => {
    const created = await createContestOverApi(server.url);
    const host = await server.connect<HostSnapshot>(tokenOf(created.hostUrl));
    const judgesCsv = Buffer.from('编号,姓名,评委组\nm1,主评委甲,主评委\nm2,主评委乙,主评委\nm3,主评委丙,主评委\ne1,测评甲,测评\ne2,测评乙,测评\ne3,测评丙,测评\n');

    await hostDo(host, 'turn:start', { presenter: 'p1' });
    const started = await upload<Refusal>(created.id, 'judges', judgesCsv);
    expect(started.status).toBe(409);
    expect(started.body.error).toEqual({ code: 'conflict', message: expect.stringMatching(/评委名单.*比赛已经开始/) });

    await hostDo(host, 'turn:open-scoring', { presenter: 'p1' });
    const judge = await server.connect(tokenOf(created.judges[0]!.url));
    expect((await submit(judge, 'p1', itemsFor('p1', 'm1'))).ok).toBe(true);
    const before = await exportText(created.id);
    const scored = await upload<Refusal>(created.id, 'judges', judgesCsv);
    expect(scored.status).toBe(409);
    expect(scored.body.error).toEqual({ code: 'conflict', message: expect.stringMatching(/评委名单.*已有 1 份评分/) });
    expect(await exportText(created.id)).toBe(before);

    // the same people, keys and order, one name corrected
    const presenters = [
      '出场顺序,编号,姓名,单位,题目,回避评委',
      '1,p1,张明书记,东街道,党建引领社区治理,',
      '2,p2,李书记,西街道,红色物业,测评丙',
      '3,p3,王书记,南镇,乡村振兴,',
      '4,p4,赵书记,北镇,人才回引,',
      '5,p5,刘书记,区教育局,双减落地,',
    ].join('\r\n');
    const corrected = await upload(created.id, 'presenters', iconv.encode(presenters, 'gbk'));
    expect(corrected.status).toBe(200);
    expect(corrected.body.saved).toBe(true);
    const after = await exported(created.id);
    expect(after.presenters[0]!.name).toBe('张明书记');
    expect(after.scores).toHaveLength(1);
  });
});
