import { Migration } from "@medusajs/framework/mikro-orm/migrations";

export class Migration20261130070430 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table if exists "payment_callback_rejection" drop constraint if exists "payment_callback_rejection_provider_id_reason_hour_unique";`);
    this.addSql(`create table if not exists "payment_callback_rejection" ("id" text not null, "provider_id" text not null, "reason" text not null, "hour" timestamptz not null, "count" integer not null default 0, "last_seen_at" timestamptz not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "payment_callback_rejection_pkey" primary key ("id"));`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_payment_callback_rejection_deleted_at" ON "payment_callback_rejection" ("deleted_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_payment_callback_rejection_provider_id_reason_hour_unique" ON "payment_callback_rejection" ("provider_id", "reason", "hour") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_payment_callback_rejection_hour" ON "payment_callback_rejection" ("hour") WHERE deleted_at IS NULL;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "payment_callback_rejection" cascade;`);
  }

}
