//! Documents attached to a contest (issue #15): the plan, the rules as PDF, a form as
//! DOCX or XLSX, an image. Small files, so they live in the database beside the contest
//! (one backup holds everything): the bytes in a blob (`bytea` on PostgreSQL) with the
//! type detected from them, their size and SHA-256.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ContestDocuments {
    Table,
    Id,
    ContestId,
    Filename,
    ContentType,
    Size,
    Sha256,
    Data,
    CreatedAt,
    CreatedBy,
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
                    .table(ContestDocuments::Table)
                    .col(big_pk_auto(ContestDocuments::Id))
                    .col(big_integer(ContestDocuments::ContestId))
                    .col(string(ContestDocuments::Filename))
                    .col(string(ContestDocuments::ContentType))
                    .col(big_integer(ContestDocuments::Size))
                    .col(string(ContestDocuments::Sha256))
                    .col(blob(ContestDocuments::Data))
                    .col(timestamp_with_time_zone(ContestDocuments::CreatedAt))
                    .col(big_integer_null(ContestDocuments::CreatedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_contest_documents_contest")
                            .from(ContestDocuments::Table, ContestDocuments::ContestId)
                            .to(Contests::Table, Contests::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_contest_documents_contest")
                    .table(ContestDocuments::Table)
                    .col(ContestDocuments::ContestId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ContestDocuments::Table).to_owned())
            .await
    }
}
