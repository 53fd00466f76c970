/** Moving and removing rows of the draft's lists (state proxies: changed in place). */

export function moveItem<T>(list: T[], index: number, delta: -1 | 1): void {
  const to = index + delta;
  if (to < 0 || to >= list.length) return;
  const [item] = list.splice(index, 1);
  list.splice(to, 0, item as T);
}

export function removeItem<T>(list: T[], index: number): void {
  list.splice(index, 1);
}
