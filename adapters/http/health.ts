import type { Middleware } from 'koa';
import type { Database, SchemaModule } from '../db/database.ts';
import { query, statement } from '../db/statements.ts';

/**
 * `/healthz`: the process is alive. `/readyz`: PostgreSQL answers and every committed migration of
 * the service is applied, so a load balancer sends traffic only to instances that can serve it.
 */
export function healthChecks(orm: Database, module: SchemaModule): Middleware {
  // One statement per service schema: each service's migrations table is in its own schema.
  const applied = statement(
    `${module.schema}.schema-migrations.count`,
    `select count(*)::int as n from "${module.schema}".schema_migrations`,
  );
  return async (ctx, next) => {
    if (ctx.method !== 'GET') return next();
    if (ctx.path === '/healthz') {
      ctx.body = { status: 'ok' };
      return;
    }
    if (ctx.path !== '/readyz') return next();
    try {
      const [row] = await query<{ n: number }>(orm, applied, []);
      const count = row?.n ?? 0;
      ctx.status = count >= module.migrations.length ? 200 : 503;
      ctx.body = { status: ctx.status === 200 ? 'ready' : 'migrations pending', migrations: count };
    } catch {
      ctx.status = 503;
      ctx.body = { status: 'database unreachable' };
    }
  };
}
