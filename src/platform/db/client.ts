import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";

export type Database = DrizzleD1Database;

/**
 * One Drizzle instance per request, over that request's instrumented binding. No relational
 * schema is registered: queries use the core builder, so creating it costs next to nothing.
 */
export const createDatabase = (d1: D1Database): Database => drizzle(d1);
