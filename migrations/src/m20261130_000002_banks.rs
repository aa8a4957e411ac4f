//! Question banks and their questions, one row per question revision.
//!
//! A question's identity inside its bank is its `key`; every edit inserts a new row
//! (revision) and clears `current` on the old one. Rows are never updated otherwise, so an
//! attempt that points at a row keeps exactly the question it was shown.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Banks {
    Table,
    Id,
    Code,
    Title,
    Description,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Questions {
    Table,
    Id,
    BankId,
    Key,
    Revision,
    Current,
    Position,
    Kind,
    Topic,
    Difficulty,
    Text,
    Choices,
    Explanation,
    Source,
    Tags,
    ContentHash,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Banks::Table)
                    .col(big_pk_auto(Banks::Id))
                    .col(string_uniq(Banks::Code))
                    .col(string(Banks::Title))
                    .col(text_null(Banks::Description))
                    .col(integer(Banks::Version).default(1))
                    .col(timestamp_with_time_zone(Banks::CreatedAt))
                    .col(timestamp_with_time_zone(Banks::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Questions::Table)
                    .col(big_pk_auto(Questions::Id))
                    .col(big_integer(Questions::BankId))
                    .col(string(Questions::Key))
                    .col(integer(Questions::Revision))
                    .col(boolean(Questions::Current))
                    .col(integer(Questions::Position))
                    .col(string(Questions::Kind))
                    .col(string(Questions::Topic))
                    .col(string(Questions::Difficulty))
                    .col(text(Questions::Text))
                    .col(text(Questions::Choices))
                    .col(text_null(Questions::Explanation))
                    .col(text_null(Questions::Source))
                    .col(text(Questions::Tags))
                    .col(string(Questions::ContentHash))
                    .col(timestamp_with_time_zone(Questions::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_questions_bank")
                            .from(Questions::Table, Questions::BankId)
                            .to(Banks::Table, Banks::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_questions_key_revision")
                    .table(Questions::Table)
                    .col(Questions::BankId)
                    .col(Questions::Key)
                    .col(Questions::Revision)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_questions_current")
                    .table(Questions::Table)
                    .col(Questions::BankId)
                    .col(Questions::Current)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Questions::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Banks::Table).to_owned())
            .await
    }
}
