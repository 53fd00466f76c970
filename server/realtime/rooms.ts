/** Socket.IO rooms: one per contest and role (the audience's too), and one per judge (one device holds a judge's seat);
 * every socket is also in a room of its own id (Socket.IO's), which the audience's sends address a chunk at a time. */
export const rooms = {
  hosts: (contestId: string) => `c:${contestId}:host`,
  displays: (contestId: string) => `c:${contestId}:display`,
  judges: (contestId: string) => `c:${contestId}:judges`,
  judge: (contestId: string, judgeKey: string) => `c:${contestId}:judge:${judgeKey}`,
  audience: (contestId: string) => `c:${contestId}:audience`,
};
