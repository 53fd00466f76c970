// Installed into a page by test/e2e/layout.ts (page.addInitScript): measures, in the page, whether
// the text under a root element fits the screen. Plain JavaScript because the tests' tsconfig has
// no DOM library. For every element that shows text of its own:
//  - tiny:    its font size on screen is under `minFraction` of the viewport's height;
//  - cut:     its text reaches outside a box that clips it (an ancestor with overflow, the stage,
//             the screen) without an ellipsis or a line clamp saying so;
//  - nothing: it is cut with an ellipsis to less than about two characters;
//  - overlap: its visible text covers another element's visible text, or the top bar, or lies
//             under an overlay (an element marked data-overlay, such as the audience QR);
// and returns one line per problem, naming the element and its text.
globalThis.__layoutProblems = (rootSelector, options = {}) => {
  const minFraction = options.minFraction ?? 0.025;
  const root = document.querySelector(rootSelector);
  if (!root) return [`no element ${rootSelector}`];
  const view = { left: 0, top: 0, right: innerWidth, bottom: innerHeight };
  const intersect = (a, b) => ({ left: Math.max(a.left, b.left), top: Math.max(a.top, b.top), right: Math.min(a.right, b.right), bottom: Math.min(a.bottom, b.bottom) });
  const empty = (r) => r.right - r.left < 1 || r.bottom - r.top < 1;
  const contains = (outer, inner, slack = 1.5) =>
    inner.left >= outer.left - slack && inner.top >= outer.top - slack && inner.right <= outer.right + slack && inner.bottom <= outer.bottom + slack;
  const clips = (style) => style.overflowX !== 'visible' || style.overflowY !== 'visible';
  // an ellipsis says a line was cut at its end; only a line clamp says lines were left out below
  const endsWithEllipsis = (style) => style.textOverflow === 'ellipsis';
  const clampsLines = (style) => Boolean(style.webkitLineClamp) && style.webkitLineClamp !== 'none';

  function visible(el) {
    let opacity = 1;
    for (let a = el; a && a !== document.documentElement; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (s.display === 'none' || s.visibility === 'hidden') return false;
      opacity *= Number(s.opacity);
    }
    return opacity > 0.05;
  }

  /** the box the element's text may occupy: the screen, cut down by every ancestor that clips (and the element itself) */
  function clipOf(el) {
    let box = view;
    let ellipsis = false;
    let clamped = false;
    for (let a = el; a && a !== document.documentElement; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (endsWithEllipsis(s)) ellipsis = true;
      if (clampsLines(s)) clamped = true;
      if (clips(s)) box = intersect(box, a.getBoundingClientRect());
    }
    return { box, ellipsis, clamped };
  }

  const describe = (el, text) => {
    const id = el.getAttribute('data-testid') ?? (typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/)[0]}` : el.tagName.toLowerCase());
    return `${id} "${text.length > 24 ? `${text.slice(0, 24)}…` : text}"`;
  };

  const items = [];
  const problems = [];
  for (const el of root.querySelectorAll('*')) {
    const nodes = [...el.childNodes].filter((n) => n.nodeType === 3 && n.textContent.trim() !== '');
    if (nodes.length === 0 || !visible(el)) continue;
    const text = nodes.map((n) => n.textContent.trim()).join(' ');
    const range = document.createRange();
    const style = getComputedStyle(el);
    const layoutWidth = el.offsetWidth || el.getBoundingClientRect().width;
    const scale = layoutWidth > 0 ? el.getBoundingClientRect().width / layoutWidth : 1;
    const fontPx = parseFloat(style.fontSize) * scale;
    // a text rect spans the font's whole height (ascent to descent, about 1.45 em), more than the
    // ink: a fifth of the font size off its top and its bottom is what the glyphs cover
    const rects = [];
    for (const node of nodes) {
      range.selectNodeContents(node);
      for (const r of range.getClientRects()) {
        if (r.width >= 0.5 && r.height >= 0.5) rects.push({ left: r.left, top: r.top + 0.2 * fontPx, right: r.right, bottom: r.bottom - 0.2 * fontPx });
      }
    }
    if (rects.length === 0) continue;
    const name = describe(el, text);
    if (fontPx < minFraction * innerHeight - 0.5) problems.push(`tiny: ${name} is ${fontPx.toFixed(1)} px, under ${(minFraction * 100).toFixed(1)} % of ${innerHeight} px`);
    const { box, ellipsis, clamped } = clipOf(el);
    const outside = rects.filter((r) => !contains(box, r));
    // cut at a line's end: fine with an ellipsis or a clamp; lines cut above or below: only with a clamp
    const cutLines = outside.some((r) => r.top < box.top - 1.5 || r.bottom > box.bottom + 1.5);
    const truncated = clamped || (ellipsis && !cutLines);
    if (outside.length > 0) {
      const r = outside[0];
      if (!truncated) problems.push(`cut: ${name} runs outside its box (text ${Math.round(r.left)},${Math.round(r.top)}–${Math.round(r.right)},${Math.round(r.bottom)}, box ${Math.round(box.left)},${Math.round(box.top)}–${Math.round(box.right)},${Math.round(box.bottom)})`);
      else {
        const widest = Math.max(...rects.map((q) => Math.min(q.right, box.right) - Math.max(q.left, box.left)));
        if (widest < Math.min(Math.max(...rects.map((q) => q.right - q.left)), 2.2 * fontPx)) problems.push(`nothing: ${name} is cut to ${Math.round(widest)} px`);
      }
    }
    const shown = rects.map((r) => intersect(r, box)).filter((r) => !empty(r));
    if (shown.length > 0) items.push({ el, name, shown });
  }

  const header = root.querySelector('header');
  const headerBox = header && visible(header) ? header.getBoundingClientRect() : null;
  const meets = (a, b) => {
    const o = intersect(a, b);
    return o.right - o.left > 2 && o.bottom - o.top > 2;
  };
  const overlays = [...root.querySelectorAll('[data-overlay]')].filter(visible).map((el) => ({ el, box: el.getBoundingClientRect() }));
  for (let i = 0; i < items.length; i++) {
    const a = items[i];
    for (const o of overlays) {
      if (!o.el.contains(a.el) && a.shown.some((r) => meets(r, o.box))) problems.push(`overlap: ${a.name} is under ${o.el.getAttribute('data-testid') ?? 'an overlay'}`);
    }
    if (headerBox && !header.contains(a.el) && a.shown.some((r) => meets(r, headerBox))) problems.push(`overlap: ${a.name} covers the top bar`);
    for (let j = i + 1; j < items.length; j++) {
      const b = items[j];
      if (a.el.contains(b.el) || b.el.contains(a.el)) continue;
      if (a.shown.some((r) => b.shown.some((q) => meets(r, q)))) problems.push(`overlap: ${a.name} and ${b.name}`);
    }
  }
  return problems;
};

// Where the text of `selector` wraps to a new line inside a word (as the browser's own
// Intl.Segmenter cuts Chinese into words), or leaves a quotation mark or bracket apart from its
// word: one "before|after" per such break, [] when none.
globalThis.__midWordBreaks = (selector) => {
  const el = document.querySelector(selector);
  if (!el) return [`no element ${selector}`];
  const text = el.textContent;
  const starts = new Set([...new Intl.Segmenter('zh', { granularity: 'word' }).segment(text)].map((s) => s.index));
  // each character's top on screen, in order: a character lower than the one before starts a line
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  const tops = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.textContent.length; i++) {
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const r = range.getClientRects()[0];
      tops.push(r ? r.top : null);
    }
  }
  const breaks = [];
  let previous = null;
  tops.forEach((top, i) => {
    if (top === null) return;
    // a line may not end with opening punctuation nor start with closing punctuation (避头尾)
    const badEdge = /[“‘《〈「『（【〔([]/.test(text[i - 1] ?? '') || /[”’》〉」』）】〕)\]，。、！？：；%]/.test(text[i]);
    if (previous !== null && top > previous + 2 && (!starts.has(i) || badEdge)) breaks.push(`${text.slice(Math.max(0, i - 4), i)}|${text.slice(i, i + 4)}`);
    previous = top;
  });
  return breaks;
};
