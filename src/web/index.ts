/// <reference types="node" preserve="true" />
// Kept in the emitted .d.ts: a consumer's TypeScript loads @types/node for
// aiots's declarations by itself (TypeScript 6+ loads no @types package unless
// its tsconfig lists it in "types").
/**
 * aiots/web: aiohttp.web for TypeScript on `node:http`.
 * @module
 */
export { AppKey } from './app-key.js';
export { Application, type ApplicationOptions, type CleanupContext } from './application.js';
export { Signal } from './signal.js';
export { CIMultiDict, RequestHeaders, type HeadersInit } from './headers.js';
export * from './exceptions.js';
export { Request, type CloneOptions } from './request.js';
export { MultiDictProxy } from './multidict.js';
export { FileField } from './multipart/file-field.js';
export { BodyPartReader } from './multipart/body-part.js';
export { MultipartReader } from './multipart/reader.js';
export type { PostData } from './multipart/post-form.js';
export type { MultipartLimits, MultipartOptions, PostOptions } from './multipart/options.js';
export {
  ConnectionResetError, Response, StreamResponse, jsonResponse,
  type CookieOptions, type JsonResponseOptions, type ResponseOptions, type StreamResponseOptions,
} from './response.js';
export { FileResponse, type FileResponseOptions } from './file-response.js';
export { middleware, normalizePathMiddleware, type NormalizePathOptions } from './middleware.js';
export { compressionMiddleware, type CompressionOptions } from './compression/middleware.js';
export type { CompressingCoding, ContentCoding } from './compression/codings.js';
export { EventSourceResponse, type EventSourceResponseOptions, type SendOptions } from './sse.js';
export {
  UrlDispatcher, PrefixedSubAppResource, type GetRouteOptions, type RouteOptions,
} from './router/url-dispatcher.js';
export { DynamicResource, PlainResource, Resource, ResourceRoute, type UrlForOptions } from './router/resources.js';
export { StaticResource, type StaticOptions, type StaticUrlForOptions } from './router/static-resource.js';
export { RouteTableDef, del as delete, del, get, head, patch, post, put, route, staticFiles as static, staticFiles, view, type RouteDef } from './router/route-table-def.js';
export { View, type ViewClass } from './router/view.js';
export type { MatchInfo, RouteParams } from './router/route-params.js';
export { AppRunner, AppServer, BaseSite, TCPSite, UnixSite, type BaseSiteOptions, type RunnerOptions, type TCPSiteOptions } from './runner.js';
export type { SSLOptions } from './ssl.js';
export { runApp, type RunAppOptions } from './run-app.js';
export { Server, type ServerOptions } from './low-level-server.js';
export { ServerRunner } from './server-runner.js';
export { DEFAULT_ACCESS_LOG_FORMAT, type AccessLogSink } from './access-log.js';
export type { HandlerOptions } from './server-handler.js';
export type { Handler, HandlerResult, Middleware } from './types.js';
export { WebSocketResponse, type WebSocketReady, type WebSocketResponseOptions } from './websocket-response.js';
export { WSCloseCode, WSMsgType, type WSMessage } from '../ws/message.js';
