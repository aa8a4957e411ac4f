//! Participant search that ignores diacritics and case (#18 point 11): `users.search_name`
//! holds the name folded ("nguyen thi anh" for "Nguyễn Thị Ánh"), written with the name.
//! Rows older than this column are filled by the app at startup
//! (`accounts::participants::backfill_search_names`), where the folding lives.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    SearchName,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(string(Users::SearchName).default(""))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::SearchName)
                    .to_owned(),
            )
            .await
    }
}
