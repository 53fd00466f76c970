import type { Attachment } from 'svelte/attachments';

/**
 * Fits text to its box on the projector: the element's font size goes from `max` down to `min`
 * stage pixels until its text stays inside the element: no wider than it (a line that does not
 * wrap), no line above or below it (text that wraps, in a box with a height or max-height in
 * pixels, not em, which would shrink with the text). Below `min` it stays at `min` and its CSS
 * cuts it (an ellipsis, a line clamp). Runs again when the box changes size, when the fonts
 * arrive, and when `content` changes (pass the text, so a new name is fitted anew).
 */
export function fit(max: number, min: number, content?: unknown): Attachment<HTMLElement> {
  void content;
  return (node) => {
    let last = '';
    let current = max;
    const range = document.createRange();

    /** some line of text reaches above or below the element (the glyphs, not the font's whole height) */
    function linesOutside(): boolean {
      const box = node.getBoundingClientRect();
      const scale = node.offsetHeight > 0 ? box.height / node.offsetHeight : 1;
      // a text rect spans the font's ascent to descent (about 1.45 em); the glyphs leave a fifth
      // of an em free above and below
      const free = 0.2 * current * scale;
      const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
      for (let text = walker.nextNode(); text; text = walker.nextNode()) {
        range.selectNodeContents(text);
        for (const r of range.getClientRects()) {
          if (r.width >= 0.5 && (r.top + free < box.top - 1 || r.bottom - free > box.bottom + 1)) return true;
        }
      }
      return false;
    }
    const overflows = () => node.scrollWidth > node.clientWidth + 1 || linesOutside();
    const size = (px: number) => {
      current = px;
      node.style.setProperty('font-size', `${px}px`);
    };
    const run = () => {
      size(max);
      if (overflows()) {
        let fits = min;
        let overflowing = max;
        while (overflowing - fits > 1) {
          const middle = Math.floor((fits + overflowing) / 2);
          size(middle);
          if (overflows()) overflowing = middle;
          else fits = middle;
        }
        size(fits);
      }
      last = `${node.clientWidth}×${node.clientHeight}`;
    };
    run();
    // a new box (another screen shape, a neighbour that grew): fit again, once per real change,
    // and never more than a few times a second (two fitted neighbours must not chase each other)
    let since = 0;
    let runs = 0;
    const observer = new ResizeObserver(() => {
      if (`${node.clientWidth}×${node.clientHeight}` === last) return;
      const now = performance.now();
      if (now - since > 1000) {
        since = now;
        runs = 0;
      }
      if (++runs <= 8) run();
    });
    observer.observe(node);
    if (node.parentElement) observer.observe(node.parentElement);
    const fonts = document.fonts;
    fonts?.addEventListener('loadingdone', run);
    void fonts?.ready.then(run);
    return () => {
      observer.disconnect();
      fonts?.removeEventListener('loadingdone', run);
    };
  };
}
