//! Pictures of questions and options (issue #19): stored once by the SHA-256 of their
//! cleaned bytes, in the database so that every instance serves the same pictures, with a
//! phone-sized variant; and the pictures of each question revision.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Media {
    Table,
    /// `<sha256 hex>.<png|jpg|webp>`.
    Name,
    ContentType,
    Width,
    Height,
    Bytes,
    SmallWidth,
    SmallHeight,
    SmallBytes,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Questions {
    Table,
    Images,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Media::Table)
                    .col(string(Media::Name).primary_key())
                    .col(string(Media::ContentType))
                    .col(integer(Media::Width))
                    .col(integer(Media::Height))
                    .col(blob(Media::Bytes))
                    .col(integer_null(Media::SmallWidth))
                    .col(integer_null(Media::SmallHeight))
                    .col(blob_null(Media::SmallBytes))
                    .col(timestamp_with_time_zone(Media::CreatedAt))
                    .to_owned(),
            )
            .await?;
        // JSON array of `{file, alt, width, height}`; NULL for a question without pictures.
        manager
            .alter_table(
                Table::alter()
                    .table(Questions::Table)
                    .add_column(text_null(Questions::Images))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Questions::Table)
                    .drop_column(Questions::Images)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Media::Table).to_owned())
            .await
    }
}
