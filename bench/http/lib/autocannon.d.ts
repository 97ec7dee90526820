// autocannon ships no types: the little static.ts uses.
declare module 'autocannon' {
  interface Stats { average: number }
  interface Result { requests: Stats; throughput: Stats; errors: number; non2xx: number }
  export default function autocannon(options: { url: string; connections: number; duration: number }): Promise<Result>;
}
