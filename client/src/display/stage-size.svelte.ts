import { innerHeight, innerWidth } from 'svelte/reactivity/window';

/**
 * The projector's stage: always 1080 stage pixels high, as wide as the screen's own shape allows
 * between 4:3 (1440) and 16:9 (1920), scaled to fill the screen. Views are laid out in stage
 * pixels against the height, so a font size means the same share of any screen (27 stage pixels
 * are 2.5 % of its height) and a 4:3 projector is filled rather than letterboxed.
 */
const STAGE_HEIGHT = 1080;
const WIDEST = 1920;
const NARROWEST = 1440;

class StageSize {
  readonly width = $derived(
    Math.round(Math.min(WIDEST, Math.max(NARROWEST, (STAGE_HEIGHT * (innerWidth.current ?? 1920)) / (innerHeight.current ?? 1080)))),
  );
  readonly scale = $derived(Math.min((innerWidth.current ?? 1920) / this.width, (innerHeight.current ?? 1080) / STAGE_HEIGHT));
  /** nearer 4:3 than 16:9: views stack what sits side by side on a wide screen */
  readonly narrow = $derived(this.width < 1700);
}

export const stage = new StageSize();
