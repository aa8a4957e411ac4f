//! How the organisers handled a participant's data request (#16, Nghị định 13/2023/NĐ-CP):
//! when, by whom, and what they answered. A request is `done` (corrected, or anonymised
//! for a deletion) or `rejected` with the reason the participant then reads.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DataRequests {
    Table,
    ResolvedAt,
    ResolvedBy,
    Resolution,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        for column in [
            timestamp_with_time_zone_null(DataRequests::ResolvedAt),
            big_integer_null(DataRequests::ResolvedBy),
            text_null(DataRequests::Resolution),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(DataRequests::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            DataRequests::Resolution,
            DataRequests::ResolvedBy,
            DataRequests::ResolvedAt,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(DataRequests::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
