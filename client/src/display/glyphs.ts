import { primeGlyphs } from '../lib/glyphs.ts';
import { tc } from '../lib/common-messages.ts';
import { everyMessage } from './messages.ts';

/** award names arrive only when revealed: the common ones are fetched ahead */
const AWARD_WORDS = '特等奖一等奖二等奖三等奖优秀奖鼓励奖最佳空缺0123456789.:+—/%·';

export { primeGlyphs };

export function primeOwnGlyphs(): void {
  primeGlyphs(everyMessage + tc.everyText + AWARD_WORDS);
}
