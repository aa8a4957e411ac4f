//! Prizes, published results and certificates (issue #17): a prize plan per contest, the
//! award lists of rounds and contests (proposed, then published with their SHA-256 and
//! frozen; an unpublished version stays readable to staff), and the certificate codes of
//! published entries, which anyone may verify.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PrizePlans {
    Table,
    ContestId,
    Plan,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AwardLists {
    Table,
    Id,
    ContestId,
    RoundId,
    Version,
    Status,
    Body,
    Exclusions,
    Digest,
    CreatedBy,
    CreatedAt,
    PublishedBy,
    PublishedAt,
    UnpublishedBy,
    UnpublishedAt,
}

#[derive(DeriveIden)]
enum Certificates {
    Table,
    Code,
    AwardListId,
    ParticipantId,
    Position,
}

#[derive(DeriveIden)]
enum Contests {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PrizePlans::Table)
                    .col(big_integer(PrizePlans::ContestId).primary_key())
                    .col(text(PrizePlans::Plan))
                    .col(big_integer_null(PrizePlans::UpdatedBy))
                    .col(timestamp_with_time_zone(PrizePlans::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_prize_plans_contest")
                            .from(PrizePlans::Table, PrizePlans::ContestId)
                            .to(Contests::Table, Contests::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AwardLists::Table)
                    .col(big_pk_auto(AwardLists::Id))
                    .col(big_integer(AwardLists::ContestId))
                    .col(big_integer_null(AwardLists::RoundId))
                    .col(integer(AwardLists::Version))
                    .col(string_len(AwardLists::Status, 16))
                    .col(text(AwardLists::Body))
                    .col(text(AwardLists::Exclusions))
                    .col(string_len_null(AwardLists::Digest, 64))
                    .col(big_integer_null(AwardLists::CreatedBy))
                    .col(timestamp_with_time_zone(AwardLists::CreatedAt))
                    .col(big_integer_null(AwardLists::PublishedBy))
                    .col(timestamp_with_time_zone_null(AwardLists::PublishedAt))
                    .col(big_integer_null(AwardLists::UnpublishedBy))
                    .col(timestamp_with_time_zone_null(AwardLists::UnpublishedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_award_lists_contest")
                            .from(AwardLists::Table, AwardLists::ContestId)
                            .to(Contests::Table, Contests::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_award_lists_scope")
                    .table(AwardLists::Table)
                    .col(AwardLists::ContestId)
                    .col(AwardLists::RoundId)
                    .col(AwardLists::Version)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Certificates::Table)
                    .col(string_len(Certificates::Code, 16).primary_key())
                    .col(big_integer(Certificates::AwardListId))
                    .col(big_integer(Certificates::ParticipantId))
                    .col(integer(Certificates::Position))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_certificates_list")
                            .from(Certificates::Table, Certificates::AwardListId)
                            .to(AwardLists::Table, AwardLists::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_certificates_participant")
                    .table(Certificates::Table)
                    .col(Certificates::ParticipantId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Certificates::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(AwardLists::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(PrizePlans::Table).to_owned())
            .await
    }
}
