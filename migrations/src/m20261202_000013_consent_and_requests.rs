//! Personal data (Decree 13/2023/NĐ-CP, issue #16): the consent each participant gave at
//! registration (which text version, when), and the requests a participant sends the
//! organisers about their own data (a correction or a deletion).
//!
//! Consent lives in its own table, not on `users`: a person may consent again to a newer
//! text, and the record of what they agreed to must outlive a change of the text.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Consents {
    Table,
    Id,
    UserId,
    Version,
    GivenAt,
}

#[derive(DeriveIden)]
enum DataRequests {
    Table,
    Id,
    UserId,
    Kind,
    Note,
    Status,
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
                    .table(Consents::Table)
                    .col(big_pk_auto(Consents::Id))
                    .col(big_integer(Consents::UserId))
                    .col(string(Consents::Version))
                    .col(timestamp_with_time_zone(Consents::GivenAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_consents_user")
                            .from(Consents::Table, Consents::UserId)
                            .to(Users::Table, Users::Id)
                            // A deleted account takes its records with it.
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_consents_user")
                    .table(Consents::Table)
                    .col(Consents::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DataRequests::Table)
                    .col(big_pk_auto(DataRequests::Id))
                    .col(big_integer(DataRequests::UserId))
                    .col(string(DataRequests::Kind))
                    .col(text(DataRequests::Note))
                    .col(string(DataRequests::Status))
                    .col(timestamp_with_time_zone(DataRequests::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_data_requests_user")
                            .from(DataRequests::Table, DataRequests::UserId)
                            .to(Users::Table, Users::Id)
                            // A deleted account takes its records with it.
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_data_requests_user")
                    .table(DataRequests::Table)
                    .col(DataRequests::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DataRequests::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Consents::Table).to_owned())
            .await
    }
}
