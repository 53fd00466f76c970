/** Socket.IO rooms: one per contest and role (the audience's too), and one per judge (one device holds a judge's seat). */
export const rooms = {
  hosts: (contestId: string) => `c:${contestId}:host`,
  displays: (contestId: string) => `c:${contestId}:display`,
  judges: (contestId: string) => `c:${contestId}:judges`,
  judge: (contestId: string, judgeKey: string) => `c:${contestId}:judge:${judgeKey}`,
  audience: (contestId: string) => `c:${contestId}:audience`,
  /** one of AUDIENCE_SHARDS slices of the audience room: a send to 10,000 phones goes out a slice per event-loop turn */
  audienceShard: (contestId: string, shard: number) => `c:${contestId}:audience:${shard}`,
};

export const AUDIENCE_SHARDS = 32;

/** the audience slice a connection joins, spread evenly by its id */
export function audienceShardOf(socketId: string): number {
  let hash = 0;
  for (let i = 0; i < socketId.length; i++) hash = (hash * 31 + socketId.charCodeAt(i)) >>> 0;
  return hash % AUDIENCE_SHARDS;
}
