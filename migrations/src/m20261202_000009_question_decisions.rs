//! Disputed questions settled by the jury (issue #15): one decision per round and question
//! revision — the key corrected, every answer accepted, or the question dropped from
//! scoring. A new decision on the same question replaces the row (the audit trail keeps
//! the earlier one).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum QuestionDecisions {
    Table,
    Id,
    RoundId,
    QuestionId,
    Decision,
    Correct,
    Reason,
    DecidedBy,
    DecidedAt,
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
                    .table(QuestionDecisions::Table)
                    .col(big_pk_auto(QuestionDecisions::Id))
                    .col(big_integer(QuestionDecisions::RoundId))
                    .col(big_integer(QuestionDecisions::QuestionId))
                    .col(string(QuestionDecisions::Decision))
                    // JSON array of booleans in bank order, for `correct_key`.
                    .col(text_null(QuestionDecisions::Correct))
                    .col(text(QuestionDecisions::Reason))
                    .col(big_integer_null(QuestionDecisions::DecidedBy))
                    .col(timestamp_with_time_zone(QuestionDecisions::DecidedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(QuestionDecisions::Table, QuestionDecisions::RoundId)
                            .to(Rounds::Table, Rounds::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("question_decisions_round_question")
                    .table(QuestionDecisions::Table)
                    .col(QuestionDecisions::RoundId)
                    .col(QuestionDecisions::QuestionId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(QuestionDecisions::Table).to_owned())
            .await
    }
}
