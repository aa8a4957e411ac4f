//! The life cycle of a contest (issue #15): `draft` (staff only), `published`, `finished`
//! (results frozen), `archived` (off the home page). Contests created before it were all
//! visible, so they are published: the column's default fills every existing row.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Contests {
    Table,
    Status,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // NOT NULL with a default: SQLite and PostgreSQL both write the default into every
        // existing row, which is the backfill.
        manager
            .alter_table(
                Table::alter()
                    .table(Contests::Table)
                    .add_column(string(Contests::Status).default("published"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Contests::Table)
                    .drop_column(Contests::Status)
                    .to_owned(),
            )
            .await
    }
}
