/** A static file of the dashboard, held in the worker bundle (see assets.generated.ts). */
export interface DashboardAsset {
  contentType: string;
  /** A strong ETag: a hash of the body. */
  etag: string;
  body: string;
}
