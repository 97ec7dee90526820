// Express 5, serve-static and Koa 3 ship no types and bench/ has no @types packages: these
// declare the little the benchmark servers use.
declare module 'express' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  interface Request extends IncomingMessage {
    params: Record<string, string>;
  }
  interface Response extends ServerResponse {
    type(type: string): this;
    send(body: string): this;
  }
  type Handler = (req: Request, res: Response) => unknown;
  interface Express {
    (req: IncomingMessage, res: ServerResponse): void;
    get(path: string, handler: Handler): this;
    use(path: string, handler: (req: IncomingMessage, res: ServerResponse, next: () => void) => void): this;
  }
  export default function express(): Express;
}

declare module 'serve-static' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export default function serveStatic(root: string): (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
}

declare module 'koa' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export type DefaultState = Record<string, unknown>;
  export type DefaultContext = Record<string, unknown>;
  export type ParameterizedContext<StateT = DefaultState, ContextT = DefaultContext, BodyT = unknown> = ContextT & {
    state: StateT;
    body: BodyT;
    type: string;
    status: number;
  };
  export type Next = () => Promise<unknown>;
  export type Middleware<StateT = DefaultState, ContextT = DefaultContext, BodyT = unknown> =
    (ctx: ParameterizedContext<StateT, ContextT, BodyT>, next: Next) => unknown;
  export default class Koa {
    use(middleware: (...args: never[]) => unknown): this;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
  }
}
