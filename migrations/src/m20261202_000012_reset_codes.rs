//! Password resets (issue #16): the one-time codes organisers read out to participants and
//! the single-use tokens of emailed links. Only a SHA-256 of each secret is stored; a row
//! is spent (`used_at`) once, and dies at `expires_at`.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ResetCodes {
    Table,
    Id,
    UserId,
    Kind,
    SecretHash,
    ExpiresAt,
    UsedAt,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ResetCodes::Table)
                    .col(big_pk_auto(ResetCodes::Id))
                    .col(big_integer(ResetCodes::UserId))
                    .col(string_len(ResetCodes::Kind, 16))
                    .col(string_len_uniq(ResetCodes::SecretHash, 64))
                    .col(timestamp_with_time_zone(ResetCodes::ExpiresAt))
                    .col(timestamp_with_time_zone_null(ResetCodes::UsedAt))
                    .col(big_integer_null(ResetCodes::CreatedBy))
                    .col(timestamp_with_time_zone(ResetCodes::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_reset_codes_user")
                            .from(ResetCodes::Table, ResetCodes::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_reset_codes_user")
                    .table(ResetCodes::Table)
                    .col(ResetCodes::UserId)
                    .col(ResetCodes::Kind)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ResetCodes::Table).to_owned())
            .await
    }
}
