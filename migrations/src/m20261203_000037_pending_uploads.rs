//! A bank file an organiser checked ("Kiểm tra") and may now import without choosing it
//! again (#18 point 10). Kept in the database, not in one instance's memory or disk, so
//! the import may reach any instance behind the proxy; one per organiser, for an hour.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PendingUploads {
    Table,
    /// 128 random bits, URL-safe base64: the form's hidden field.
    Token,
    UserId,
    FileName,
    Bytes,
    Questions,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PendingUploads::Table)
                    .col(string(PendingUploads::Token).primary_key())
                    .col(big_integer(PendingUploads::UserId))
                    .col(string(PendingUploads::FileName))
                    .col(blob(PendingUploads::Bytes))
                    .col(integer(PendingUploads::Questions))
                    .col(timestamp_with_time_zone(PendingUploads::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_pending_uploads_user")
                    .table(PendingUploads::Table)
                    .col(PendingUploads::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PendingUploads::Table).to_owned())
            .await
    }
}
