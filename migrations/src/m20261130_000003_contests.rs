//! Contests, rounds, attempts, saved answers, and per-round standings.
//!
//! `standings` holds one row per participant and round — their best finished attempt —
//! maintained as attempts finish, so leaderboards never scan attempts.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Contests {
    Table,
    Id,
    Code,
    Title,
    Description,
    Rules,
    Categories,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Rounds {
    Table,
    Id,
    ContestId,
    Title,
    OpensAt,
    ClosesAt,
    ClosedAt,
    TimeLimitSecs,
    MaxAttempts,
    Practice,
    Draw,
    QuestionOrder,
    PredictionQuestion,
    PredictionAnswer,
    PredictionActual,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Attempts {
    Table,
    Id,
    RoundId,
    UserId,
    Seq,
    Seed,
    Status,
    CategoryCode,
    UnitId,
    Questions,
    StartedAt,
    Deadline,
    SubmittedAt,
    FinishedAt,
    FinishReason,
    Score,
    MaxScore,
    Correct,
    Total,
    TimeTakenMs,
    Prediction,
}

#[derive(DeriveIden)]
enum Answers {
    Table,
    AttemptId,
    Position,
    Choices,
    SavedAt,
}

#[derive(DeriveIden)]
enum Standings {
    Table,
    RoundId,
    UserId,
    AttemptId,
    CategoryCode,
    UnitId,
    Score,
    MaxScore,
    TimeTakenMs,
    SubmittedAt,
    Prediction,
    AttemptsUsed,
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
                    .table(Contests::Table)
                    .col(big_pk_auto(Contests::Id))
                    .col(string_uniq(Contests::Code))
                    .col(string(Contests::Title))
                    .col(text_null(Contests::Description))
                    .col(text_null(Contests::Rules))
                    .col(text(Contests::Categories))
                    .col(timestamp_with_time_zone(Contests::CreatedAt))
                    .col(timestamp_with_time_zone(Contests::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Rounds::Table)
                    .col(big_pk_auto(Rounds::Id))
                    .col(big_integer(Rounds::ContestId))
                    .col(string(Rounds::Title))
                    .col(timestamp_with_time_zone(Rounds::OpensAt))
                    .col(timestamp_with_time_zone(Rounds::ClosesAt))
                    .col(timestamp_with_time_zone_null(Rounds::ClosedAt))
                    .col(integer(Rounds::TimeLimitSecs))
                    .col(integer(Rounds::MaxAttempts))
                    .col(boolean(Rounds::Practice))
                    .col(text(Rounds::Draw))
                    .col(string(Rounds::QuestionOrder))
                    .col(text_null(Rounds::PredictionQuestion))
                    .col(string_null(Rounds::PredictionAnswer))
                    .col(big_integer_null(Rounds::PredictionActual))
                    .col(timestamp_with_time_zone(Rounds::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_rounds_contest")
                            .from(Rounds::Table, Rounds::ContestId)
                            .to(Contests::Table, Contests::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_rounds_contest")
                    .table(Rounds::Table)
                    .col(Rounds::ContestId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Attempts::Table)
                    .col(big_pk_auto(Attempts::Id))
                    .col(big_integer(Attempts::RoundId))
                    .col(big_integer(Attempts::UserId))
                    .col(integer(Attempts::Seq))
                    .col(big_integer(Attempts::Seed))
                    .col(string(Attempts::Status))
                    .col(string(Attempts::CategoryCode))
                    .col(big_integer_null(Attempts::UnitId))
                    .col(text(Attempts::Questions))
                    .col(timestamp_with_time_zone(Attempts::StartedAt))
                    .col(timestamp_with_time_zone(Attempts::Deadline))
                    .col(timestamp_with_time_zone_null(Attempts::SubmittedAt))
                    .col(timestamp_with_time_zone_null(Attempts::FinishedAt))
                    .col(string_null(Attempts::FinishReason))
                    .col(integer_null(Attempts::Score))
                    .col(integer(Attempts::MaxScore))
                    .col(integer_null(Attempts::Correct))
                    .col(integer(Attempts::Total))
                    .col(big_integer_null(Attempts::TimeTakenMs))
                    .col(big_integer_null(Attempts::Prediction))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_attempts_round")
                            .from(Attempts::Table, Attempts::RoundId)
                            .to(Rounds::Table, Rounds::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_attempts_user")
                            .from(Attempts::Table, Attempts::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // One row per (round, participant, n-th attempt): racing starts cannot fork an
        // attempt or exceed the allowance.
        manager
            .create_index(
                Index::create()
                    .name("idx_attempts_round_user_seq")
                    .table(Attempts::Table)
                    .col(Attempts::RoundId)
                    .col(Attempts::UserId)
                    .col(Attempts::Seq)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_attempts_status_deadline")
                    .table(Attempts::Table)
                    .col(Attempts::Status)
                    .col(Attempts::Deadline)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_attempts_user")
                    .table(Attempts::Table)
                    .col(Attempts::UserId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Answers::Table)
                    .col(big_integer(Answers::AttemptId))
                    .col(integer(Answers::Position))
                    .col(text(Answers::Choices))
                    .col(timestamp_with_time_zone(Answers::SavedAt))
                    .primary_key(
                        Index::create()
                            .col(Answers::AttemptId)
                            .col(Answers::Position),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_answers_attempt")
                            .from(Answers::Table, Answers::AttemptId)
                            .to(Attempts::Table, Attempts::Id),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Standings::Table)
                    .col(big_integer(Standings::RoundId))
                    .col(big_integer(Standings::UserId))
                    .col(big_integer(Standings::AttemptId))
                    .col(string(Standings::CategoryCode))
                    .col(big_integer_null(Standings::UnitId))
                    .col(integer(Standings::Score))
                    .col(integer(Standings::MaxScore))
                    .col(big_integer(Standings::TimeTakenMs))
                    .col(timestamp_with_time_zone(Standings::SubmittedAt))
                    .col(big_integer_null(Standings::Prediction))
                    .col(integer(Standings::AttemptsUsed))
                    .primary_key(
                        Index::create()
                            .col(Standings::RoundId)
                            .col(Standings::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_standings_round")
                            .from(Standings::Table, Standings::RoundId)
                            .to(Rounds::Table, Rounds::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_standings_rank")
                    .table(Standings::Table)
                    .col(Standings::RoundId)
                    .col(Standings::CategoryCode)
                    .col(Standings::Score)
                    .col(Standings::TimeTakenMs)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Standings::Table.into_iden(),
            Answers::Table.into_iden(),
            Attempts::Table.into_iden(),
            Rounds::Table.into_iden(),
            Contests::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
