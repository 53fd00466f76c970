import type { Attachment } from 'svelte/attachments';

/**
 * Fits text to its box on the projector: the element's font size goes from `max` down to `min`
 * stage pixels until nothing overflows the element (its width for a line that does not wrap, its
 * height for text that does). Below `min` it stays at `min` and its CSS cuts it (an ellipsis, a
 * line clamp). The element needs a bounded box: a width from its parent, a height or max-height in
 * pixels (not em, which would shrink with the text). Runs again when the box changes size, when
 * the fonts arrive, and when `content` changes (pass the text, so a new name is fitted anew).
 */
export function fit(max: number, min: number, content?: unknown): Attachment<HTMLElement> {
  void content;
  return (node) => {
    let last = '';
    const overflows = () => node.scrollWidth > node.clientWidth + 1 || node.scrollHeight > node.clientHeight + 1;
    const size = (px: number) => node.style.setProperty('font-size', `${px}px`);
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
    // a new box (another screen shape, a neighbour that grew): fit again, once per real change
    const observer = new ResizeObserver(() => {
      if (`${node.clientWidth}×${node.clientHeight}` !== last) run();
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
