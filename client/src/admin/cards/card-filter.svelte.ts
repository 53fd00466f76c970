/** Which judges' cards the cards page prints: all, or one (after their link was reissued). */
export const cardFilter = $state<{ judge: string | null }>({ judge: null });
