import { Migration } from "@medusajs/framework/mikro-orm/migrations";

export class Migration20261130042757 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table if exists "payment_callback" drop constraint if exists "payment_callback_provider_id_dedup_key_unique";`);
    this.addSql(`alter table if exists "payment_sync_request" drop constraint if exists "payment_sync_request_instrument_id_unique";`);
    this.addSql(`create table if not exists "payment_sync_request" ("id" text not null, "instrument_id" text not null, "requested_at" timestamptz not null, "generation" integer not null default 1, "source" text not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "payment_sync_request_pkey" primary key ("id"));`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_payment_sync_request_deleted_at" ON "payment_sync_request" ("deleted_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_payment_sync_request_instrument_id_unique" ON "payment_sync_request" ("instrument_id") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_payment_sync_request_requested_at" ON "payment_sync_request" ("requested_at") WHERE deleted_at IS NULL;`);

    this.addSql(`alter table if exists "payment_operation" drop constraint if exists "payment_operation_status_check";`);

    this.addSql(`alter table if exists "payment_instrument" add column if not exists "merchant_reference" text null, add column if not exists "psp_state" text null, add column if not exists "last_synced_at" timestamptz null;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_payment_instrument_provider_id_merchant_reference" ON "payment_instrument" ("provider_id", "merchant_reference") WHERE deleted_at IS NULL AND merchant_reference IS NOT NULL;`);

    this.addSql(`drop index if exists "IDX_payment_callback_dedup_key_unique";`);

    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_payment_callback_provider_id_dedup_key_unique" ON "payment_callback" ("provider_id", "dedup_key") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_payment_callback_instrument_id_processed_at" ON "payment_callback" ("instrument_id", "processed_at") WHERE deleted_at IS NULL AND processed_at IS NULL;`);

    this.addSql(`alter table if exists "payment_operation" add column if not exists "lease_expires_at" timestamptz null, add column if not exists "psp_operation_ids" jsonb null, add column if not exists "tender_id" text null, add column if not exists "medusa_verified_at" timestamptz null;`);
    this.addSql(`alter table if exists "payment_operation" add column if not exists "lease_owner" text null;`);
    // `pending` meant "unknown outcome" (this plugin had no asynchronous PSP yet); one id becomes a list
    this.addSql(`update "payment_operation" set "status" = 'unknown' where "status" = 'pending';`);
    this.addSql(`update "payment_operation" set "psp_operation_ids" = jsonb_build_array("psp_operation_id") where "psp_operation_id" is not null;`);
    this.addSql(`alter table if exists "payment_operation" drop column if exists "psp_operation_id";`);
    this.addSql(`alter table if exists "payment_operation" add constraint "payment_operation_status_check" check("status" in ('requested', 'unknown', 'accepted', 'succeeded', 'failed', 'lapsed'));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "payment_sync_request" cascade;`);

    this.addSql(`alter table if exists "payment_operation" drop constraint if exists "payment_operation_status_check";`);

    this.addSql(`drop index if exists "IDX_payment_instrument_provider_id_merchant_reference";`);
    this.addSql(`alter table if exists "payment_instrument" drop column if exists "merchant_reference", drop column if exists "psp_state", drop column if exists "last_synced_at";`);

    this.addSql(`drop index if exists "IDX_payment_callback_provider_id_dedup_key_unique";`);
    this.addSql(`drop index if exists "IDX_payment_callback_instrument_id_processed_at";`);

    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_payment_callback_dedup_key_unique" ON "payment_callback" ("dedup_key") WHERE deleted_at IS NULL;`);

    this.addSql(`alter table if exists "payment_operation" drop column if exists "lease_expires_at", drop column if exists "tender_id", drop column if exists "medusa_verified_at";`);

    this.addSql(`alter table if exists "payment_operation" add column if not exists "psp_operation_id" text null;`);
    this.addSql(`update "payment_operation" set "psp_operation_id" = "psp_operation_ids"->>0, "status" = case when "status" in ('unknown', 'accepted') then 'pending' when "status" = 'lapsed' then 'failed' else "status" end;`);
    this.addSql(`alter table if exists "payment_operation" drop column if exists "lease_owner", drop column if exists "psp_operation_ids";`);
    this.addSql(`alter table if exists "payment_operation" add constraint "payment_operation_status_check" check("status" in ('requested', 'pending', 'succeeded', 'failed'));`);
  }

}
