import { Migration } from "@medusajs/framework/mikro-orm/migrations";

export class Migration20261121060610 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table if exists "payment_operation" drop constraint if exists "payment_operation_idempotency_key_unique";`);
    this.addSql(`alter table if exists "payment_callback" drop constraint if exists "payment_callback_dedup_key_unique";`);
    this.addSql(`alter table if exists "payment_instrument" drop constraint if exists "payment_instrument_payment_session_id_unique";`);
    this.addSql(`create table if not exists "payment_instrument" ("id" text not null, "provider_id" text not null, "psp_reference" text null, "payment_session_id" text not null, "payment_id" text null, "currency_code" text not null, "origin" text check ("origin" in ('token', 'authorized', 'captured')) not null, "state" text check ("state" in ('token', 'authorized', 'partially_captured', 'captured', 'partially_refunded', 'refunded', 'canceled')) not null, "amount" text not null, "authorized_amount" text not null, "captured_amount" text not null, "refunded_amount" text not null, "canceled_amount" text not null, "closed" boolean not null default false, "lines" jsonb not null, "psp_status" text null, "psp_status_history" jsonb not null, "metadata" jsonb null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "payment_instrument_pkey" primary key ("id"));`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_payment_instrument_deleted_at" ON "payment_instrument" ("deleted_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_payment_instrument_payment_session_id_unique" ON "payment_instrument" ("payment_session_id") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_payment_instrument_provider_id_psp_reference" ON "payment_instrument" ("provider_id", "psp_reference") WHERE deleted_at IS NULL AND psp_reference IS NOT NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_payment_instrument_payment_id" ON "payment_instrument" ("payment_id") WHERE deleted_at IS NULL AND payment_id IS NOT NULL;`);

    this.addSql(`create table if not exists "payment_callback" ("id" text not null, "provider_id" text not null, "dedup_key" text not null, "psp_reference" text null, "verified" boolean not null, "received_at" timestamptz not null, "processed_at" timestamptz null, "outcome" text null, "payload" jsonb not null, "instrument_id" text null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "payment_callback_pkey" primary key ("id"));`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_payment_callback_instrument_id" ON "payment_callback" ("instrument_id") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_payment_callback_deleted_at" ON "payment_callback" ("deleted_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_payment_callback_dedup_key_unique" ON "payment_callback" ("dedup_key") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_payment_callback_processed_at" ON "payment_callback" ("processed_at") WHERE processed_at IS NULL AND deleted_at IS NULL;`);

    this.addSql(`create table if not exists "payment_operation" ("id" text not null, "instrument_id" text not null, "kind" text check ("kind" in ('authorize', 'capture', 'refund', 'cancel')) not null, "effect" text check ("effect" in ('authorize', 'capture', 'refund', 'void')) not null, "idempotency_key" text not null, "amount" text not null, "lines" jsonb not null, "status" text check ("status" in ('requested', 'pending', 'succeeded', 'failed')) not null default 'requested', "attempts" integer not null default 0, "psp_operation_id" text null, "psp_request_id" text null, "error" jsonb null, "completed_at" timestamptz null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "payment_operation_pkey" primary key ("id"));`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_payment_operation_instrument_id" ON "payment_operation" ("instrument_id") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_payment_operation_deleted_at" ON "payment_operation" ("deleted_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_payment_operation_idempotency_key_unique" ON "payment_operation" ("idempotency_key") WHERE deleted_at IS NULL;`);

    this.addSql(`alter table if exists "payment_callback" add constraint "payment_callback_instrument_id_foreign" foreign key ("instrument_id") references "payment_instrument" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table if exists "payment_operation" add constraint "payment_operation_instrument_id_foreign" foreign key ("instrument_id") references "payment_instrument" ("id") on update cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table if exists "payment_callback" drop constraint if exists "payment_callback_instrument_id_foreign";`);

    this.addSql(`alter table if exists "payment_operation" drop constraint if exists "payment_operation_instrument_id_foreign";`);

    this.addSql(`drop table if exists "payment_instrument" cascade;`);

    this.addSql(`drop table if exists "payment_callback" cascade;`);

    this.addSql(`drop table if exists "payment_operation" cascade;`);
  }

}
