import type { Middleware } from 'koa';
import type { Database, SchemaModule } from '../db/database.ts';

/**
 * `/healthz`: the process is alive. `/readyz`: PostgreSQL answers and every committed migration of
 * the service is applied, so a load balancer sends traffic only to instances that can serve it.
 */
export function healthChecks(orm: Database, module: SchemaModule): Middleware {
  return async (ctx, next) => {
    if (ctx.method !== 'GET') return next();
    if (ctx.path === '/healthz') {
      ctx.body = { status: 'ok' };
      return;
    }
    if (ctx.path !== '/readyz') return next();
    try {
      const rows = await orm.em
        .getConnection()
        .execute<{ n: number }[]>(`select count(*)::int as n from "${module.schema}".schema_migrations`);
      const applied = rows[0]?.n ?? 0;
      ctx.status = applied >= module.migrations.length ? 200 : 503;
      ctx.body = { status: ctx.status === 200 ? 'ready' : 'migrations pending', migrations: applied };
    } catch {
      ctx.status = 503;
      ctx.body = { status: 'database unreachable' };
    }
  };
}
