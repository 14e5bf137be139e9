import express, { Router } from 'express';
import { fileURLToPath } from 'node:url';

const publicDir = fileURLToPath(new URL('./public/', import.meta.url));

/**
 * The live dashboard: one static page whose script polls the admin API with the operator's token.
 * The page itself holds no data, so it needs no auth; the strict CSP keeps it self-contained.
 */
export function dashboardRouter(): Router {
  const router = Router();
  router.use((_req, res, next) => {
    res.setHeader('Content-Security-Policy', "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'");
    res.setHeader('Cache-Control', 'no-cache');
    next();
  });
  // `/dashboard` and `/dashboard/` both answer the page (serve-static alone needs the trailing slash).
  router.get('/', (_req, res) => res.sendFile('index.html', { root: publicDir }));
  router.use(express.static(publicDir, { index: false, redirect: false }));
  return router;
}
