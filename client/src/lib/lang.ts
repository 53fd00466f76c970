/** The pages' two languages: Chinese by default, English with ?lang=en (lib/i18n.ts reads it). */
export type Lang = 'zh' | 'en';
