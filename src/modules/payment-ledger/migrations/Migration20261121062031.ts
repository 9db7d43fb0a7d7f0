import { Migration } from "@medusajs/framework/mikro-orm/migrations";

export class Migration20261121062031 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table if exists "payment_instrument" add column if not exists "reconcile_issue" text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table if exists "payment_instrument" drop column if exists "reconcile_issue";`);
  }

}
