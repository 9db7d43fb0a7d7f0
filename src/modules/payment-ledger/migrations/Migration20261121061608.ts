import { Migration } from "@medusajs/framework/mikro-orm/migrations";

export class Migration20261121061608 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table if exists "payment_operation" add column if not exists "origin" text null, add column if not exists "medusa_record_id" text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table if exists "payment_operation" drop column if exists "origin", drop column if exists "medusa_record_id";`);
  }

}
