//! Retention of personal data (#16, Nghị định 13/2023/NĐ-CP): each contest keeps its
//! participants' phone, email, CCCD and birth date for `retention_months` after it
//! finished (12 unless changed), then they are anonymised. `finished_at` records when the
//! contest was finished and `anonymised_at` when its participants were anonymised.
//! Contests finished before this migration have no `finished_at`: the retention job
//! leaves them until an organiser runs `cuocthi anonymise` or finishes them again.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Contests {
    Table,
    RetentionMonths,
    FinishedAt,
    AnonymisedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        for column in [
            integer(Contests::RetentionMonths).default(12).to_owned(),
            timestamp_with_time_zone_null(Contests::FinishedAt),
            timestamp_with_time_zone_null(Contests::AnonymisedAt),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Contests::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Contests::AnonymisedAt,
            Contests::FinishedAt,
            Contests::RetentionMonths,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Contests::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
