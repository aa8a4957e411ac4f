//! Notices of a round (issue #15): each change an organiser makes to a round participants
//! may already be taking — an extension, an earlier close (with its reason), more attempts
//! — is shown to them as a dated notice on the round.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RoundNotices {
    Table,
    Id,
    RoundId,
    Kind,
    Message,
    Params,
    CreatedAt,
    CreatedBy,
}

#[derive(DeriveIden)]
enum Rounds {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RoundNotices::Table)
                    .col(big_pk_auto(RoundNotices::Id))
                    .col(big_integer(RoundNotices::RoundId))
                    .col(string(RoundNotices::Kind))
                    .col(text(RoundNotices::Message))
                    .col(text(RoundNotices::Params))
                    .col(timestamp_with_time_zone(RoundNotices::CreatedAt))
                    .col(big_integer_null(RoundNotices::CreatedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_round_notices_round")
                            .from(RoundNotices::Table, RoundNotices::RoundId)
                            .to(Rounds::Table, Rounds::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_round_notices_round")
                    .table(RoundNotices::Table)
                    .col(RoundNotices::RoundId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RoundNotices::Table).to_owned())
            .await
    }
}
