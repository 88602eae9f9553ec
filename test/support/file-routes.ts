/**
 * Every route of one file that needs a token, with what each needs to answer (a Range for the bulk
 * route, JSON for the PNG description): the tenant and deletion tests walk all of them.
 */
export const fileRoutes = (id: string): Array<[string, RequestInit]> => [
  [`/files/${id}`, {}],
  [`/files/${id}/tags`, {}],
  [`/files/${id}/tags/00100010`, {}],
  [`/files/${id}/bulk/7FE00010`, { headers: { range: 'bytes=0-15' } }],
  [`/files/${id}/png`, {}],
  [`/files/${id}/png?window=40,400`, { headers: { accept: 'application/json' } }],
];
